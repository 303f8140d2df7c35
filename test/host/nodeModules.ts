/**
 * What is installed in a project's node_modules, read from the file system (any
 * package manager with a node_modules layout): every package directory, nested
 * copies included, with the bytes of its own files.
 */
import fs from 'node:fs';
import path from 'node:path';

export type InstalledPackage = {
  name: string;
  version: string;
  /** Folder relative to the project, e.g. `node_modules/a/node_modules/@s/b`. */
  location: string;
  /** Apparent size of the package's own files (nested node_modules not counted). */
  bytes: number;
};

export function listInstalledPackages(projectDir: string): InstalledPackage[] {
  const found: InstalledPackage[] = [];
  const visit = (nodeModules: string) => {
    if (!fs.existsSync(nodeModules)) return;
    for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue; // .bin, .package-lock.json, caches
      const dir = path.join(nodeModules, entry.name);
      if (entry.name.startsWith('@') && entry.isDirectory()) {
        for (const scoped of fs.readdirSync(dir, { withFileTypes: true }))
          addPackage(path.join(dir, scoped.name), scoped);
      } else {
        addPackage(dir, entry);
      }
    }
  };
  const addPackage = (dir: string, entry: fs.Dirent) => {
    const manifest = path.join(dir, 'package.json');
    if (!fs.existsSync(manifest)) return;
    const { name, version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    const linked = entry.isSymbolicLink(); // a workspace or `file:` link: its files live elsewhere
    found.push({
      name: name ?? path.basename(dir),
      version: version ?? '',
      location: path.relative(projectDir, dir),
      bytes: linked ? 0 : ownBytes(dir),
    });
    if (!linked) visit(path.join(dir, 'node_modules'));
  };
  visit(path.join(projectDir, 'node_modules'));
  return found.sort((a, b) => a.location.localeCompare(b.location));
}

/** Every installed copy of a package (more than one means a nested duplicate). */
export function copiesOf(installed: InstalledPackage[], name: string): InstalledPackage[] {
  return installed.filter(p => p.name === name);
}

export type Footprint = { packages: number; bytes: number };

export function footprint(installed: InstalledPackage[]): Footprint {
  return { packages: installed.length, bytes: installed.reduce((sum, p) => sum + p.bytes, 0) };
}

export type FootprintChange = {
  before: Footprint;
  after: Footprint;
  /** Packages (by location and version) present after but not before. */
  added: InstalledPackage[];
  /** Packages present before but not after (replaced by another version, say). */
  removed: InstalledPackage[];
};

/** What installing something changed: compare listings taken before and after. */
export function footprintChange(before: InstalledPackage[], after: InstalledPackage[]): FootprintChange {
  const key = (p: InstalledPackage) => `${p.location}@${p.version}`;
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return {
    before: footprint(before),
    after: footprint(after),
    added: after.filter(p => !beforeKeys.has(key(p))),
    removed: before.filter(p => !afterKeys.has(key(p))),
  };
}

export const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

function ownBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += ownBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}
