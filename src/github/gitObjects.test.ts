import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blobSha, GitFile, treeSha } from './gitObjects';

/** What git itself computes for the same files: `git add` in a fresh repository, then `git write-tree`. */
function gitTreeSha(files: GitFile[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'git-objects-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  for (const file of files) {
    const full = path.join(dir, file.path);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (file.mode === '120000') fs.symlinkSync(file.content.toString(), full);
    else fs.writeFileSync(full, file.content, { mode: file.mode === '100755' ? 0o755 : 0o644 });
  }
  git('-c', 'core.fileMode=true', 'add', '-A');
  const sha = git('write-tree');
  fs.rmSync(dir, { recursive: true, force: true });
  return sha;
}

const text = (s: string) => Buffer.from(s);

describe('git object hashing', () => {
  it('hashes a blob as git does', () => {
    expect(blobSha(text('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(blobSha(Buffer.alloc(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });

  it('hashes the tree git writes for the same files: nesting, modes, symlinks and git order', () => {
    const files: GitFile[] = [
      { path: 'a.txt', mode: '100644', content: text('a\n') },
      // git sorts a directory as if its name ended with '/': 'a-b' < 'a/' < 'a0' in byte order
      { path: 'a/inner.txt', mode: '100644', content: text('inner\n') },
      { path: 'a-b', mode: '100644', content: text('dash\n') },
      { path: 'a0', mode: '100644', content: text('zero\n') },
      { path: 'a/deep/er/file.yaml', mode: '100644', content: text('k: v\n') },
      { path: 'bin/run', mode: '100755', content: text('#!/bin/sh\n') },
      { path: 'link', mode: '120000', content: text('a.txt') },
      { path: 'img.bin', mode: '100644', content: Buffer.from([0, 1, 2, 255]) },
    ];
    expect(treeSha(files)).toBe(gitTreeSha(files));
    // the order the files come in does not matter
    expect(treeSha([...files].reverse())).toBe(treeSha(files));
  });

  it('changes with any byte, mode or name', () => {
    const base: GitFile[] = [{ path: 'x/y.txt', mode: '100644', content: text('y\n') }];
    const sha = treeSha(base);
    expect(treeSha([{ ...base[0], content: text('y\r\n') }])).not.toBe(sha);
    expect(treeSha([{ ...base[0], mode: '100755' }])).not.toBe(sha);
    expect(treeSha([{ ...base[0], path: 'x/z.txt' }])).not.toBe(sha);
    expect(treeSha([{ ...base[0], path: 'y.txt' }])).not.toBe(sha);
  });

  it('hashes the empty tree as git does', () => {
    expect(treeSha([])).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });
});
