// After `npm run build`: the production bundle must not carry the mock
// backend (src/lib/backend.mock.ts). Looks in dist/ for strings only the
// mock has; a demo build (VITE_MOCK_BACKEND=1) is allowed to have them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MOCK_ONLY = ['Hort comunitari', '0.0.0-mock', 'createMockBackend'];
const dist = new URL('../dist/', import.meta.url).pathname;

if (process.env.VITE_MOCK_BACKEND === '1') {
  console.log('check-no-mock: demo build with the mock backend, not checked');
  process.exit(0);
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const found = [];
for (const file of files(dist).filter((f) => /\.(js|mjs|html)$/.test(f))) {
  const text = readFileSync(file, 'utf8');
  for (const marker of MOCK_ONLY) if (text.includes(marker)) found.push(`${file}: ${marker}`);
}
if (found.length > 0) {
  console.error('check-no-mock: the mock backend is in the production bundle:');
  for (const line of found) console.error(`  ${line}`);
  process.exit(1);
}
console.log('check-no-mock: no mock backend in dist/');
