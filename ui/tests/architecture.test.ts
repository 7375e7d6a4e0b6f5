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

  it('backend.ts loads the mock only on demand (no static import: not in the production bundle)', () => {
    const source = read(listFiles(srcRoot, ['.ts']).find((p) => rel(p) === 'src/lib/backend.ts') ?? '');
    expect(source).not.toMatch(/import\s+(?!type\b)[^;]*from\s*['"]\.\/backend\.mock['"]/);
    expect(source).toMatch(/await import\(['"]\.\/backend\.mock['"]\)/);
    expect(source).toMatch(/if \(MOCK_AVAILABLE\)/);
    const others = sources
      .filter((path) => !/\/backend\.mock\.ts$/.test(path))
      .filter((path) => /import\s+(?!type\b)[^;]*['"][./]*(lib\/)?backend\.mock['"]/.test(read(path)))
      .map(rel);
    expect(others).toEqual([]);
  });
});
