/**
 * A fresh Backstage backend project shaped like an adopter's `packages/backend`,
 * created outside this repository and installed with plain npm (strict peer
 * resolution: `--legacy-peer-deps=false`, whatever user or repository config says).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { InstalledPackage, listInstalledPackages } from './nodeModules';
import { makeScratchDir } from './scratchDir';

/**
 * What `npx @backstage/create-app@latest` writes for these packages into a new app's
 * packages/backend/package.json today: create-app 0.9.2, Backstage 1.55.0 (the newest
 * create-app on the registry). Caret ranges, resolved fresh as an adopter's first
 * install resolves them: backend-defaults stays on 0.18 (0.x carets hold the minor)
 * while the plugins move to their newest 4.x, so the module's ranges meet a
 * backend-defaults other than the one it is developed against.
 */
export const ADOPTER_BACKEND_DEPENDENCIES: Record<string, string> = {
  '@backstage/backend-defaults': '^0.18.0',
  '@backstage/plugin-catalog-backend': '^4.0.0',
  '@backstage/plugin-catalog-backend-module-scaffolder-entity-model': '^0.2.24',
  '@backstage/plugin-scaffolder-backend': '^4.2.0',
  pg: '^8.11.3', // create-app's backend lists it for PostgreSQL
};

/** The features an adopter's index adds, in create-app's order. */
export const ADOPTER_BACKEND_FEATURES = [
  '@backstage/plugin-scaffolder-backend',
  '@backstage/plugin-catalog-backend',
  '@backstage/plugin-catalog-backend-module-scaffolder-entity-model',
];

/** Strict peers, no audit/fund noise, no lockfile left to trust from a previous run. */
const NPM_INSTALL_ARGS = ['install', '--legacy-peer-deps=false', '--strict-peer-deps=false', '--no-audit', '--no-fund'];

export type HostProjectOptions = {
  /** Where to create it (must not exist or be empty). Default: a new scratch folder (RAM disk if roomy). */
  dir?: string;
  /** package.json `dependencies` (default {@link ADOPTER_BACKEND_DEPENDENCIES}). */
  dependencies?: Record<string, string>;
  /** Packages the index adds with `backend.add(import(...))` (default {@link ADOPTER_BACKEND_FEATURES}). */
  features?: string[];
};

export type NpmRun = { ms: number; output: string };

export type HostProject = {
  dir: string;
  /** The backend entry point (`node <entry> --config …`). */
  entry: string;
  /** Installs package.json's dependencies. */
  install(): Promise<NpmRun>;
  /**
   * `npm install <spec>` (a tarball path, or name@range) as an adopter adds a module;
   * with `feature`, the index also gets `backend.add(import('<name>'))`.
   */
  add(spec: string, options?: { feature?: string }): Promise<NpmRun>;
  /** Every package in node_modules, nested copies included. */
  installed(): InstalledPackage[];
  /** The project's package.json as it is now. */
  packageJson(): Record<string, any>;
  /** Deletes the project folder. */
  remove(): void;
};

export function createHostProject(options: HostProjectOptions = {}): HostProject {
  const dir = options.dir ?? makeScratchDir('golden-path-host-');
  fs.mkdirSync(dir, { recursive: true });
  if (fs.readdirSync(dir).length) throw new Error(`${dir} is not empty`);
  const features = [...(options.features ?? ADOPTER_BACKEND_FEATURES)];
  const entry = path.join(dir, 'src', 'index.js');

  fs.writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'backend',
        version: '0.0.0',
        private: true,
        main: 'src/index.js',
        backstage: { role: 'backend' },
        engines: { node: '22 || 24' },
        dependencies: options.dependencies ?? ADOPTER_BACKEND_DEPENDENCIES,
      },
      null,
      2,
    )}\n`,
  );
  // Outranks user config; the command line below outranks environment variables too.
  fs.writeFileSync(path.join(dir, '.npmrc'), 'legacy-peer-deps=false\nstrict-peer-deps=false\n');
  fs.mkdirSync(path.dirname(entry));
  const writeIndex = () =>
    fs.writeFileSync(
      entry,
      [
        "// An adopter's packages/backend/src/index.ts, as plain CommonJS so it runs without a build.",
        "const { createBackend } = require('@backstage/backend-defaults');",
        '',
        'const backend = createBackend();',
        ...features.map(name => `backend.add(import(${JSON.stringify(name)}));`),
        'backend.start();',
        '',
      ].join('\n'),
    );
  writeIndex();

  const npm = async (args: string[]): Promise<NpmRun> => {
    const started = Date.now();
    try {
      const { stdout, stderr } = await promisify(execFile)('npm', args, {
        cwd: dir,
        env: npmEnvironment(),
        maxBuffer: 64 * 1024 * 1024,
      });
      return { ms: Date.now() - started, output: `${stdout}${stderr}` };
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`npm ${args.join(' ')} failed in ${dir}:\n${stdout}${stderr}`);
    }
  };

  return {
    dir,
    entry,
    install: () => npm(NPM_INSTALL_ARGS),
    async add(spec, addOptions = {}) {
      const run = await npm([...NPM_INSTALL_ARGS, spec]);
      if (addOptions.feature && !features.includes(addOptions.feature)) {
        features.push(addOptions.feature);
        writeIndex();
      }
      return run;
    },
    installed: () => listInstalledPackages(dir),
    packageJson: () => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * This process's environment without what `npm run` passes down to scripts
 * (`npm_config_legacy_peer_deps` from the repository's .npmrc, `npm_config_local_prefix`
 * pointing at the repository, …), keeping where the registry and the cache are.
 */
export function npmEnvironment(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig', 'npm_config_nodedir']);
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.has(key.toLowerCase())),
  );
}
