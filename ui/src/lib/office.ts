/**
 * "Open in the Oficina": which files the web office opens, and the local
 * path of a file named relative to its synced folder.
 */
import type { FolderPair } from './backend-types';

/** Documents the web office (Collabora Online, Nextcloud Text) opens. */
const OFFICE_EXTENSIONS = new Set([
  'odt', 'ods', 'odp', 'odg', 'ott', 'ots', 'otp',
  'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'rtf', 'csv',
  'md', 'markdown', 'txt',
]);

export function isOfficeFile(path: string): boolean {
  const name = path.split('/').pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot > 0 && OFFICE_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

/** The local path of `path` (relative to the folder pair's root). */
export function localPathIn(folder: FolderPair, path: string): string {
  return `${folder.localPath.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
