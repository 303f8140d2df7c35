import fs from 'node:fs';
import path from 'node:path';

/** Folders that are never part of a template or of what it generated. */
const IGNORED_DIRS = new Set(['.git', 'node_modules']);

/** Every file under `dir`, as sorted POSIX paths relative to it (symlinks are not followed). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!IGNORED_DIRS.has(entry.name)) walk(child);
      } else if (entry.isFile()) {
        out.push(child);
      }
    }
  };
  walk('');
  return out.sort();
}
