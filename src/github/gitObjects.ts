import { createHash } from 'node:crypto';

/**
 * Git's object hashing, so we know the tree GitHub must produce before we
 * send it: a resumed push recognises its own commit, and a tree GitHub built
 * differently (an encoding slip) is caught instead of committed.
 */

export type GitFileMode = '100644' | '100755' | '120000';
export type GitFile = { path: string; mode: GitFileMode; content: Buffer };

export function gitObjectSha(type: 'blob' | 'tree' | 'commit', body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

export const blobSha = (content: Buffer) => gitObjectSha('blob', content);

type TreeNode = { files: Map<string, { mode: GitFileMode; sha: string }>; dirs: Map<string, TreeNode> };

/** The SHA of the root tree holding `files`, nested directories included. */
export function treeSha(files: GitFile[]): string {
  const root: TreeNode = { files: new Map(), dirs: new Map() };
  for (const file of files) {
    const parts = file.path.split('/');
    let node = root;
    for (const dir of parts.slice(0, -1)) {
      if (!node.dirs.has(dir)) node.dirs.set(dir, { files: new Map(), dirs: new Map() });
      node = node.dirs.get(dir)!;
    }
    node.files.set(parts[parts.length - 1], { mode: file.mode, sha: blobSha(file.content) });
  }
  return hashTree(root);
}

function hashTree(node: TreeNode): string {
  const entries = [
    ...[...node.files].map(([name, f]) => ({ name, mode: f.mode, sha: f.sha, sortKey: name })),
    // Git sorts a directory as if its name ended with '/'.
    ...[...node.dirs].map(([name, dir]) => ({ name, mode: '40000', sha: hashTree(dir), sortKey: `${name}/` })),
  ].sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)));
  const body = Buffer.concat(
    entries.map(e => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])),
  );
  return gitObjectSha('tree', body);
}
