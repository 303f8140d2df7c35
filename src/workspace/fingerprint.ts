import { GitFile, treeSha } from '../github/gitObjects';
import { readWorkspaceFiles } from '../github/workspaceFiles';

/** What a folder holds, as git would commit it: the root tree SHA and the number of files. */
export type WorkspaceFingerprint = { treeSha: string; fileCount: number };

export async function readFingerprintedFiles(
  dir: string,
): Promise<{ files: GitFile[]; fingerprint: WorkspaceFingerprint }> {
  const files = await readWorkspaceFiles(dir);
  return { files, fingerprint: { treeSha: treeSha(files), fileCount: files.length } };
}

const SHA = /^[0-9a-f]{40}$/;

export function isTreeSha(value: string): boolean {
  return SHA.test(value);
}

/** One sentence comparing what was rendered with what the workspace holds now. */
export function describeMismatch(expectedTreeSha: string, actual: WorkspaceFingerprint): string {
  const holds = actual.fileCount === 0 ? 'holds no files' : `holds ${actual.fileCount} files (tree ${actual.treeSha})`;
  return `the workspace ${holds}, not the tree ${expectedTreeSha} recorded after the fetch step rendered it`;
}
