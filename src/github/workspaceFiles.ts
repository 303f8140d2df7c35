import fs from 'node:fs/promises';
import path from 'node:path';
import { GitFile } from './gitObjects';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text that survives GitHub's inline tree `content` unchanged: valid UTF-8 without NUL. */
export function isInlineText(content: Buffer): boolean {
  if (content.includes(0)) return false;
  try {
    utf8.decode(content);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every file below `dir` as git would commit it: executable bits kept, symlinks
 * as links, the `.git` folder skipped.
 */
export async function readWorkspaceFiles(dir: string): Promise<GitFile[]> {
  const files: GitFile[] = [];
  const walk = async (rel: string) => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, relPath);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') await walk(relPath);
      } else if (entry.isSymbolicLink()) {
        files.push({ path: relPath, mode: '120000', content: Buffer.from(await fs.readlink(full)) });
      } else if (entry.isFile()) {
        const stat = await fs.stat(full);
        files.push({
          path: relPath,
          mode: stat.mode & 0o111 ? '100755' : '100644',
          content: await fs.readFile(full),
        });
      }
    }
  };
  await walk('');
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
