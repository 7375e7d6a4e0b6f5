import { describe, expect, it } from 'vitest';
import { listFiles, read, rel, srcRoot } from './source-files';

const TAURI_IMPORT = /(from\s+|import\s*\(?\s*)['"]@tauri-apps\/api[^'"]*['"]/;

describe('architecture', () => {
  const sources = listFiles(srcRoot, ['.ts', '.js', '.svelte']);

  it('only src/lib/backend.ts imports @tauri-apps/api', () => {
    const importing = sources.filter((path) => TAURI_IMPORT.test(read(path))).map(rel);
    expect(importing).toEqual(['src/lib/backend.ts']);
  });

  it('the mock backend and the components import nothing from backend.ts at run time', () => {
    const offenders = sources
      .filter((path) => !/src\/(main\.ts|lib\/backend\.ts)$/.test(rel(path)))
      .filter((path) => /import\s+(?!type\b)[^;]*['"][./]*(lib\/)?backend['"]/.test(read(path)))
      .map(rel);
    expect(offenders).toEqual([]);
  });
});
