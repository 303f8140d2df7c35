import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isInlineText, readWorkspaceFiles } from './workspaceFiles';

describe('isInlineText', () => {
  it('takes valid UTF-8 without NUL, and nothing else', () => {
    expect(isInlineText(Buffer.from('plain text, ünïcødé ✓\n'))).toBe(true);
    expect(isInlineText(Buffer.alloc(0))).toBe(true);
    expect(isInlineText(Buffer.from('a\0b'))).toBe(false);
    expect(isInlineText(Buffer.from([0xc3, 0x28]))).toBe(false); // invalid UTF-8 sequence
    expect(isInlineText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false);
  });
});

describe('readWorkspaceFiles', () => {
  it('reads every file as git would commit it: sorted paths, executable bits, symlinks, no .git', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workspace-files-'));
    fs.mkdirSync(path.join(dir, 'deploy/base'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.git/objects'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.writeFileSync(path.join(dir, 'deploy/base/kustomization.yaml'), 'resources: []\n');
    fs.writeFileSync(path.join(dir, 'app.py'), 'print(1)\n');
    fs.writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'group-exec'), 'x', { mode: 0o710 });
    fs.writeFileSync(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), 'out/\n');
    fs.symlinkSync('app.py', path.join(dir, 'link.py'));

    const files = await readWorkspaceFiles(dir);
    expect(files.map(f => [f.path, f.mode, f.content.toString()])).toEqual([
      ['.gitignore', '100644', 'out/\n'],
      ['app.py', '100644', 'print(1)\n'],
      ['deploy/base/kustomization.yaml', '100644', 'resources: []\n'],
      ['group-exec', '100755', 'x'],
      ['link.py', '120000', 'app.py'],
      ['run.sh', '100755', '#!/bin/sh\n'],
    ]);
  });

  it('skips .git folders at any depth (a nested checkout), but not .git-prefixed files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workspace-files-'));
    fs.mkdirSync(path.join(dir, 'sub/.git'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sub/.git/config'), '[core]\n');
    fs.writeFileSync(path.join(dir, 'sub/.gitkeep'), '');
    expect((await readWorkspaceFiles(dir)).map(f => f.path)).toEqual(['sub/.gitkeep']);
    expect(await readWorkspaceFiles(fs.mkdtempSync(path.join(os.tmpdir(), 'workspace-empty-')))).toEqual([]);
  });
});
