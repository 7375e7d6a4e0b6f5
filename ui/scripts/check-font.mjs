// After `npm run build`: the UI's font (Noto Sans, main.ts) must be in the
// bundle, so the app never depends on the fonts a machine happens to have.
// Checks that dist/ has the Latin and Latin Extended faces (Catalan,
// Spanish, English) and that the CSS points at them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const all = files(dist);
const css = all.filter((f) => f.endsWith('.css')).map((f) => readFileSync(f, 'utf8')).join('\n');
const missing = [];
for (const face of ['noto-sans-latin-wght-normal', 'noto-sans-latin-ext-wght-normal']) {
  const file = all.find((f) => f.includes(face) && f.endsWith('.woff2'));
  if (!file) missing.push(`${face}.woff2 not in dist/`);
  else if (!css.includes(file.split('/').pop())) missing.push(`${face}.woff2 not referenced by the CSS`);
}
if (!css.includes('Noto Sans Variable')) {
  missing.push('the CSS does not use Noto Sans Variable');
}
if (missing.length > 0) {
  console.error('check-font: the UI font is not bundled:');
  for (const line of missing) console.error(`  ${line}`);
  process.exit(1);
}
console.log('check-font: Noto Sans is bundled');
