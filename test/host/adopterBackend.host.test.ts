/**
 * The module as an adopter gets it: `npm pack`ed, installed with strict peer
 * resolution into a fresh backend shaped like `packages/backend` (backend-defaults,
 * catalog with the scaffolder entity model, scaffolder), started as its own Node
 * process on PostgreSQL, with the GitHub stand-in as `integrations.github`.
 * Slow (an npm install): `npm run test:host`, its own step in .ci/run.
 *
 * GOLDEN_PATH_HOST_KEEP=1 keeps the host project folder (and prints where it is).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from '../github-standin';
import { publishGoldenPathRepo } from '../support/publishTemplate';
import { SEED_TREE, SEED_VALUES } from '../support/rendered';
import {
  checkConfigAgainstSchemas,
  copiesOf,
  createHostProject,
  footprintChange,
  FootprintChange,
  HostBackend,
  HostProject,
  megabytes,
  PackedModule,
  packModule,
  PostgresCluster,
  REPO_ROOT,
  startHostBackend,
  startPostgres,
  Timings,
} from '.';

const ACTION_IDS = [
  'goldenpath:stateful:validate',
  'goldenpath:workspace:fingerprint',
  'goldenpath:github:repo:create',
  'goldenpath:github:push',
  'goldenpath:catalog:register',
];
const TEMPLATE = 'template:default/stateful-app';
const KEEP = process.env.GOLDEN_PATH_HOST_KEEP === '1';

const timings = new Timings();
let packed: PackedModule;
let project: HostProject;
let change: FootprintChange;
let postgres: PostgresCluster;
let github: GithubStandin;
let templateLocation: string;
let backend: HostBackend;
let servicesStarted: Promise<unknown> | undefined;
const suiteStarted = Date.now();

const say = (text: string) => process.stdout.write(`${text}\n`);

beforeAll(async () => {
  // The database and the stand-in start while npm installs.
  const servicesTimer = Date.now();
  servicesStarted = Promise.all([
    startPostgres().then(started => (postgres = started)),
    startGithubStandin({ orgs: ['acme', 'platform'] }).then(started => (github = started)),
  ]).finally(() => timings.record('start PostgreSQL and the GitHub stand-in (beside npm)', Date.now() - servicesTimer));
  servicesStarted.catch(() => undefined); // a failure surfaces where it is awaited, not as an unhandled rejection
  packed = await timings.time('npm pack', () => packModule());
  project = createHostProject();
  say(`Host project: ${project.dir} (Node ${process.version})`);
  await timings.time('npm install: the backend without the module', () => project.install());
  const before = await timings.time('list node_modules', () => project.installed());
  const resolved = Object.entries(project.packageJson().dependencies as Record<string, string>).map(
    ([name, range]) => `${name} ${range} → ${copiesOf(before, name)[0]?.version}`,
  );
  say(`Host backend dependencies (range → installed):\n  ${resolved.join('\n  ')}`);
  await timings.time('npm install <packed module>', () => project.add(packed.tarball, { feature: packed.name }));
  change = footprintChange(before, await timings.time('list node_modules', () => project.installed()));
  say(formatFootprint(change));

  await servicesStarted;
  templateLocation = await timings.time('publish the template repository (git push)', () =>
    publishGoldenPathRepo(github, 'platform', 'golden-paths'),
  );
  backend = await timings.time('start the backend (spawn to ready)', () =>
    startHostBackend({
      project,
      database: postgres,
      config: {
        integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: DEFAULT_TOKEN }] },
        catalog: {
          // Fast enough for a test; the register action waits for the entity.
          processingInterval: { seconds: 1 },
          rules: [{ allow: ['Template', 'Location', 'Component'] }],
        },
        goldenPath: { github: { writePacingMs: 0, retryBaseDelayMs: 10 } },
      },
    }),
  );
}, 15 * 60_000);

afterAll(async () => {
  await backend?.stop(); // already stopped by the last test unless it failed earlier
  await servicesStarted?.catch(() => undefined);
  await postgres?.stop();
  await github?.close();
  if (!KEEP) packed?.remove();
  if (project && !KEEP) await timings.time('delete the host project', () => project.remove());
  if (KEEP) say(`Kept the host project: ${project?.dir}`);
  timings.record('whole suite (after jest started)', Date.now() - suiteStarted);
  say(timings.format(`Host suite timings (Node ${process.version}, ${os.cpus().length} CPUs):`));
}, 120_000);

/** The backend's last log lines with a failed expectation, so a CI failure says why. */
async function withLogs<T>(check: () => Promise<T> | T): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof Error && backend) {
      error.message += `\n--- last lines of ${backend.logFile} ---\n${backend.logTail()}`;
    }
    throw error;
  }
}

function formatFootprint({ before, after, added, removed }: FootprintChange): string {
  const addedBytes = added.reduce((sum, p) => sum + p.bytes, 0);
  const biggest = [...added]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8)
    .map(p => `    ${megabytes(p.bytes).padStart(5)} MB  ${p.location.replace(/^node_modules\//, '')}@${p.version}`);
  return [
    `Install footprint of ${packed.name}@${packed.version} in the host backend:`,
    `  before: ${before.packages} packages, ${megabytes(before.bytes)} MB`,
    `  after:  ${after.packages} packages, ${megabytes(after.bytes)} MB`,
    `  added:  ${added.length} packages, ${megabytes(addedBytes)} MB; replaced: ${removed.length}`,
    '  largest additions:',
    ...biggest,
  ].join('\n');
}

describe('the packed module', () => {
  it('holds no CLI code and depends on exactly what its code imports', () => {
    expect(packed.problems).toEqual([]);
    expect(packed.files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'config.schema.json']));
    // The repository declares config.d.ts; npm pack ships it compiled (scripts/pack-config-schema.js).
    expect(packed.packageJson.configSchema).toBe('config.schema.json');
    // The checks ran on real content: the code imports what the Backstage module needs.
    expect(packed.runtimeImports).toEqual(
      expect.arrayContaining(['@backstage/backend-plugin-api', '@backstage/plugin-scaffolder-node']),
    );
  });

  it('installs beside the Backstage packages without a copy of its own, and without CLI or test tooling', () => {
    const installed = project.installed();
    for (const name of [
      '@backstage/plugin-scaffolder-backend',
      '@backstage/backend-defaults',
      '@backstage/plugin-scaffolder-node',
    ]) {
      expect({ name, copies: copiesOf(installed, name).map(p => `${p.location}@${p.version}`) }).toEqual({
        name,
        copies: [`node_modules/${name}@${copiesOf(installed, name)[0]?.version}`],
      });
    }
    expect(copiesOf(installed, '@backstage/backend-test-utils')).toEqual([]);
    // Everything the module needs from Backstage was already in the backend, and nothing was replaced.
    expect(change.added.filter(p => p.name.startsWith('@backstage/')).map(p => p.location)).toEqual([]);
    expect(change.removed).toEqual([]);
    // None of the CLI's own dependencies came along (the CLI depends on the module too).
    const cliOnly = Object.keys(
      JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cli/package.json'), 'utf8')).dependencies,
    ).filter(name => name !== packed.name && !(name in packed.packageJson.dependencies));
    expect(cliOnly.length).toBeGreaterThan(0);
    expect(change.added.filter(p => cliOnly.includes(p.name)).map(p => p.name)).toEqual([]);
    expect(project.packageJson().dependencies[packed.name]).toMatch(/^file:.*\.tgz$/);
  });
});

describe('the backend with the module', () => {
  it("validates the host's app-config with the module's config schema, which keeps goldenPath off the frontend", async () => {
    const config = YAML.parse(fs.readFileSync(backend.configFile, 'utf8'));
    const broken = structuredClone(config);
    broken.goldenPath.statefulApp = { replicas: { max: 'nine' } };
    const report = await checkConfigAgainstSchemas(
      project.dir,
      [path.join(project.dir, 'package.json')],
      [{ data: config }, { data: broken }, { data: config, visibility: ['frontend'] }],
    );
    expect(report.schemaErrors).toEqual([]);
    expect(report.schemaPaths).toContain(`node_modules/${packed.name}/config.schema.json`);
    const [valid, invalid, frontend] = report.checks;
    expect(valid).toMatchObject({ ok: true });
    expect(valid.visible).toMatchObject({ goldenPath: { github: { writePacingMs: 0 } } });
    expect(invalid).toMatchObject({
      ok: false,
      error: expect.stringContaining('/goldenPath/statefulApp/replicas/max'),
    });
    expect(frontend.ok).toBe(true);
    expect(frontend.visible).not.toHaveProperty('goldenPath');
    expect(JSON.stringify(frontend.visible)).not.toContain(DEFAULT_TOKEN);
  }, 60_000);

  it('lists the five actions with their input schemas and examples', async () => {
    const actions = await withLogs(() => backend.api.listActions());
    const ours = actions.filter(a => a.id.startsWith('goldenpath:'));
    expect(ours.map(a => a.id).sort()).toEqual([...ACTION_IDS].sort());
    for (const action of ours) {
      const input = action.schema?.input;
      const properties = Object.entries<any>(input?.properties ?? {});
      expect({ id: action.id, type: input?.type, inputs: properties.length > 0 }).toEqual({
        id: action.id,
        type: 'object',
        inputs: true,
      });
      // Every input is described, as the installed-actions page shows it.
      expect({ id: action.id, undescribed: properties.filter(([, s]) => !s.description).map(([k]) => k) }).toEqual({
        id: action.id,
        undescribed: [],
      });
      expect(action.examples?.length).toBeGreaterThan(0);
      for (const example of action.examples ?? []) {
        expect(typeof example.description).toBe('string');
        const steps = YAML.parse(example.example).steps as Array<{ action: string; input: object }>;
        expect(steps.map(s => s.action)).toContain(action.id);
      }
    }
  });

  it('registers the template from its Git URL and completes a task: one commit on the stand-in, the Component in the catalog', async () => {
    await withLogs(async () => {
      await backend.api.registerLocation(templateLocation);
      await backend.api.waitForEntity(TEMPLATE, 60_000);
    });
    const values = { ...SEED_VALUES, component_id: 'host-redis', repoUrl: `${github.host}?owner=acme&repo=host-redis` };
    const started = Date.now();
    const task = await withLogs(async () =>
      backend.api.waitForTask(await backend.api.startTask(TEMPLATE, values), 120_000),
    );
    timings.record('task: Create to completed', Date.now() - started);
    expect({ status: task.status, log: task.status === 'completed' ? [] : task.log }).toEqual({
      status: 'completed',
      log: [],
    });

    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'host-clone-'));
    try {
      execFileSync('git', ['clone', '--quiet', github.gitDir('acme', 'host-redis'), clone]);
      const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim();
      expect(git('rev-list', '--count', 'HEAD')).toBe('1');
      expect(git('ls-files').split('\n').sort()).toEqual([...SEED_TREE].sort());
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }

    const entity = await backend.api.getEntity('component:default/host-redis');
    expect(entity?.spec).toMatchObject({ type: 'service', owner: 'group:default/platform-team' });
    expect(entity?.metadata.annotations).toMatchObject({
      'backstage.io/managed-by-origin-location': `url:${github.url}/acme/host-redis/blob/main/catalog-info.yaml`,
    });
    expect(task.output.links).toEqual(
      expect.arrayContaining([expect.objectContaining({ entityRef: 'component:default/host-redis' })]),
    );
    // The GitHub token is in the host's config, never in what it logged or answered.
    expect(JSON.stringify(task)).not.toContain(DEFAULT_TOKEN);
    expect(backend.logs()).not.toContain(DEFAULT_TOKEN);
  }, 240_000);

  it('passes `golden-path dry-run --remote` against it, with the token from BACKSTAGE_TOKEN', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'host-dry-run-'));
    try {
      const run = await timings.time('golden-path dry-run --remote', () =>
        promisify(execFile)(
          process.execPath,
          [path.join(REPO_ROOT, 'cli/bin/golden-path'), 'dry-run', '--remote', backend.url, '--out', out, '--force'],
          { cwd: REPO_ROOT, env: { ...process.env, BACKSTAGE_TOKEN: backend.token } },
        ).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (error: { code?: number; stdout?: string; stderr?: string }) => ({
            code: error.code,
            stdout: error.stdout ?? '',
            stderr: error.stderr ?? '',
          }),
        ),
      );
      expect({ code: run.code, stderr: run.stderr, stdout: run.code === 0 ? '' : run.stdout }).toEqual({
        code: 0,
        stderr: '',
        stdout: '',
      });
      expect(run.stdout).toMatch(/1 of 1 values file\(s\) passed/);
      expect(fs.readdirSync(out).sort()).toEqual(expect.arrayContaining(['catalog-info.yaml', 'deploy']));
      expect(run.stdout + run.stderr).not.toContain(backend.token);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);

  it('stops cleanly on SIGTERM', async () => {
    const stopped = await timings.time('stop the backend (SIGTERM to exit)', () => backend.stop());
    expect(stopped).toMatchObject({ code: 0, killed: false });
  });
});
