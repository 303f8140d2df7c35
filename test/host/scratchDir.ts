import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RAM_DISK = '/dev/shm';
const MIN_FREE_BYTES = 4e9;

/**
 * A new folder for throw-away data (a host project's node_modules, a database
 * cluster): on the RAM disk when the machine has a roomy one, since writing and
 * deleting ~40,000 small files on a busy disk takes minutes; else the OS temp dir.
 * GOLDEN_PATH_SCRATCH_DIR picks the parent folder.
 */
export function makeScratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(scratchRoot(), prefix));
}

function scratchRoot(): string {
  const chosen = process.env.GOLDEN_PATH_SCRATCH_DIR;
  if (chosen) return chosen;
  try {
    const { bavail, bsize } = fs.statfsSync(RAM_DISK);
    fs.accessSync(RAM_DISK, fs.constants.W_OK);
    if (bavail * bsize >= MIN_FREE_BYTES) return RAM_DISK;
  } catch {
    // no RAM disk here
  }
  return os.tmpdir();
}
