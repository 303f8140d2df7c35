import { deserializeDirectoryContents } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import { DryRunFile } from './embeddedScaffolder';

/**
 * Writes a dry-run's files below `dir`. Paths that would leave it are refused
 * by the scaffolder's own safe-path helper. An existing folder is replaced
 * only when `replace` is set, so a typo in --out cannot wipe unrelated work.
 */
export async function writeDryRunOutput(files: DryRunFile[], dir: string, replace: boolean): Promise<void> {
  const existing = await fs.readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    if (!replace) {
      throw new Error(`${dir} exists and is not empty; pass --force to replace it`);
    }
    await fs.rm(dir, { recursive: true, force: true });
  }
  await fs.mkdir(dir, { recursive: true });
  await deserializeDirectoryContents(dir, files);
}

/** An indented tree of file paths, as `tree` prints it. */
export function formatTree(root: string, files: string[]): string {
  const lines = [`${root}/`];
  const sorted = [...files].sort();
  const seen = new Set<string>();
  for (const file of sorted) {
    const parts = file.split('/');
    for (let depth = 0; depth < parts.length; depth++) {
      const key = parts.slice(0, depth + 1).join('/');
      if (seen.has(key)) continue;
      seen.add(key);
      const isDir = depth < parts.length - 1;
      lines.push(`${'  '.repeat(depth + 1)}${parts[depth]}${isDir ? '/' : ''}`);
    }
  }
  return lines.join('\n');
}
