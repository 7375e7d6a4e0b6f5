import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export const uiRoot = resolve(import.meta.dirname, '..');
export const srcRoot = join(uiRoot, 'src');

/** Every file under `dir` whose name ends with one of `extensions`. */
export function listFiles(dir: string, extensions: string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(path, extensions));
    else if (extensions.some((ext) => entry.name.endsWith(ext))) found.push(path);
  }
  return found.sort();
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** A path relative to ui/, with forward slashes. */
export function rel(path: string): string {
  return relative(uiRoot, path).split(sep).join('/');
}
