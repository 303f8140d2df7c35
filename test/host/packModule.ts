/**
 * `npm pack` the module (the workspace root package) the way it would be published,
 * and check what an adopter would receive: no CLI code, no tests, and `dependencies`
 * equal to what the shipped code (JavaScript and type declarations) imports.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { npmEnvironment } from './hostProject';
import { dependencyProblems, importedPackages } from './packageImports';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export type PackedModule = {
  /** Absolute path of the `.tgz`. */
  tarball: string;
  name: string;
  version: string;
  /** Paths inside the package, as npm pack lists them. */
  files: string[];
  /** The packed package.json. */
  packageJson: Record<string, any>;
  /** Packages the compiled JavaScript requires. */
  runtimeImports: string[];
  /** Packages the `.d.ts` files import (types an adopter's tsc must resolve). */
  typeImports: string[];
  /** Everything wrong with the package for an adopter; empty when it is fine. */
  problems: string[];
  /** Deletes the tarball (and the folder packModule made for it). */
  remove(): void;
};

/**
 * Packs the package at `packageDir` (default: this repository's module) into
 * `outDir` (default: a new temp folder). Build first (`npm run build`): npm pack
 * ships dist/ as it is.
 */
export function packModule(options: { packageDir?: string; outDir?: string } = {}): PackedModule {
  const packageDir = options.packageDir ?? REPO_ROOT;
  const outDir = options.outDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'golden-path-pack-'));
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
    cwd: packageDir,
    env: npmEnvironment(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [packed] = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = path.join(outDir, packed.filename);
  const remove = () => fs.rmSync(options.outDir ? tarball : outDir, { recursive: true, force: true });
  const files = packed.files.map(f => f.path).sort();

  // Read the files from the tarball itself, not from the working tree.
  const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-path-unpacked-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    const root = path.join(unpacked, 'package');
    const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
    const runtimeImports = union(files.filter(f => /\.(c|m)?js$/.test(f)).map(f => importedPackages(read(f))));
    const typeImports = union(files.filter(f => f.endsWith('.d.ts')).map(f => importedPackages(read(f))));
    const problems = [
      ...cliProblems(files, packageJson, packageDir, path.join(REPO_ROOT, 'cli')),
      // Type-only imports (Config from @backstage/config) vanish from the JavaScript but an
      // adopter's tsc still resolves them from the .d.ts files: they are dependencies too.
      ...dependencyProblems(Object.keys(packageJson.dependencies ?? {}), union([runtimeImports, typeImports])),
      ...files.filter(f => /\.test\.|(^|\/)__tests__\//.test(f)).map(f => `ships the test file ${f}`),
      ...configSchemaProblems(packageJson.configSchema, files),
    ];
    return {
      tarball,
      name: packageJson.name,
      version: packageJson.version,
      files,
      packageJson,
      runtimeImports,
      typeImports,
      problems,
      remove,
    };
  } finally {
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
}

/** The CLI package (cli/) must not leak into the module: no bin, no CLI dependency, none of its sources compiled. */
function cliProblems(files: string[], packageJson: Record<string, any>, packageDir: string, cliDir: string): string[] {
  const problems: string[] = [];
  const cliPackage = JSON.parse(fs.readFileSync(path.join(cliDir, 'package.json'), 'utf8'));
  if (packageJson.bin) problems.push(`package.json has "bin" ${JSON.stringify(packageJson.bin)}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    if (packageJson[field]?.[cliPackage.name]) problems.push(`"${field}" lists the CLI package ${cliPackage.name}`);
  }
  const shipped = new Set(files);
  for (const file of files) if (file.startsWith('cli/')) problems.push(`ships ${file} from cli/`);
  // cli/src/x/y.ts compiled into the module's dist/ would be dist/x/y.js (unless the module has its own src/x/y.ts).
  for (const source of listTypeScript(path.join(cliDir, 'src'))) {
    if (fs.existsSync(path.join(packageDir, 'src', source))) continue;
    const compiled = `dist/${source.replace(/\.ts$/, '.js')}`;
    if (shipped.has(compiled)) problems.push(`ships ${compiled}, compiled CLI code (cli/src/${source})`);
  }
  return problems;
}

/** Backend start-up reads `configSchema`: it must be shipped, and JSON (a .d.ts is compiled with TypeScript on every start). */
function configSchemaProblems(configSchema: unknown, files: string[]): string[] {
  if (typeof configSchema !== 'string') return [];
  const problems: string[] = [];
  if (!files.includes(configSchema))
    problems.push(`"configSchema" names ${configSchema}, which the package does not ship`);
  if (configSchema.endsWith('.d.ts')) {
    problems.push(`"configSchema" is ${configSchema}: every backend would compile it with TypeScript at start-up`);
  }
  return problems;
}

function listTypeScript(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listTypeScript(path.join(dir, entry.name), relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}
