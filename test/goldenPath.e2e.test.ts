/**
 * The whole golden path, end to end, with real parts: catalog and scaffolder
 * backends in-process (SQLite catalog), this module, the GitHub stand-in as the
 * integrations.github host (the catalog reads the template and the new
 * catalog-info.yaml from it through Backstage's own GitHub URL reader), and a
 * task started the way the Create form starts it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from './github-standin';
import { GoldenPathBackend, startGoldenPathBackend } from './support/backends';
import { publishGoldenPathRepo } from './support/publishTemplate';
import { SEED_TREE, SEED_VALUES } from './support/rendered';

let github: GithubStandin;
let backend: GoldenPathBackend;
const TEMPLATE = 'template:default/stateful-app';
const BROKEN_TEMPLATE = 'template:default/stateful-app-broken';

beforeAll(async () => {
  github = await startGithubStandin({ orgs: ['acme', 'platform'], teams: ['acme/platform-team'] });
  const goodLocation = await publishGoldenPathRepo(github, 'platform', 'golden-paths');
  // A platform team's bad edit: the skeleton now renders an invalid owner reference.
  const brokenLocation = await publishGoldenPathRepo(github, 'platform', 'golden-paths-broken', dir => {
    const template = path.join(dir, 'templates/stateful-app/template.yaml');
    fs.writeFileSync(
      template,
      fs.readFileSync(template, 'utf8').replace('name: stateful-app\n', 'name: stateful-app-broken\n'),
    );
    const catalogInfo = path.join(dir, 'skeleton/catalog-info.yaml');
    fs.writeFileSync(
      catalogInfo,
      fs.readFileSync(catalogInfo, 'utf8').replace(/owner: .*/, 'owner: "group:default/${{ values.name }} team"'),
    );
    const location = path.join(dir, 'catalog-info.yaml');
    fs.writeFileSync(
      location,
      fs
        .readFileSync(location, 'utf8')
        .replace(/---[\s\S]*$/, '')
        .replace('name: stateful-app-golden-path', 'name: broken-golden-path'),
    );
  });
  backend = await startGoldenPathBackend({
    config: {
      integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: DEFAULT_TOKEN }] },
      catalog: {
        processingInterval: { seconds: 1 },
        rules: [{ allow: ['Component', 'Template', 'Location', 'Group', 'User'] }],
        locations: [
          { type: 'url', target: goodLocation },
          { type: 'url', target: brokenLocation },
        ],
      },
      goldenPath: { github: { writePacingMs: 0, retryBaseDelayMs: 10 } },
    },
  });
  await backend.waitForEntity(TEMPLATE, 30_000);
  await backend.waitForEntity(BROKEN_TEMPLATE, 30_000);
}, 90_000);
afterAll(async () => {
  await backend?.stop();
  await github?.close();
});

function clone(owner: string, repo: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-clone-'));
  execFileSync('git', ['clone', '--quiet', github.gitDir(owner, repo), dir]);
  return dir;
}

it('creates, fills and registers the repository from a task started like the Create form', async () => {
  const values = { ...SEED_VALUES, repoUrl: `${github.host}?owner=acme&repo=my-redis` };
  const taskId = await backend.startTask(TEMPLATE, values);
  const task = await backend.waitForTask(taskId, 90_000);
  expect({ status: task.status, log: task.status === 'completed' ? [] : task.log }).toEqual({
    status: 'completed',
    log: [],
  });

  // The repository: the seed's tree, one commit, a repository git accepts.
  const dir = clone('acme', 'my-redis');
  const files = execFileSync('git', ['ls-files'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').sort();
  expect(files).toEqual([...SEED_TREE].sort());
  expect(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('1');
  execFileSync('git', ['fsck', '--strict'], { cwd: github.gitDir('acme', 'my-redis') });

  // What the template sets up: the owner's team maintains it, the homepage is the environment's URL,
  // main is protected (publish:github's defaults) after the commit.
  expect(github.inspect('acme', 'my-redis')).toMatchObject({
    homepage: 'https://my-redis.dev.goldenpathidp.io',
    visibility: 'private',
    topics: ['stateful', 'golden-path'],
    settings: { has_wiki: false },
    teams: { 'platform-team': 'maintain' },
    protection: {
      main: {
        enforce_admins: true,
        required_pull_request_reviews: { required_approving_review_count: 1 },
        required_status_checks: { strict: true, contexts: [] },
      },
    },
  });

  // The catalog: the Component with what the form said.
  const entity = await backend.getEntity('component:default/my-redis');
  expect(entity).toBeDefined();
  expect(entity.spec).toMatchObject({
    type: 'service',
    lifecycle: 'experimental',
    owner: 'group:default/platform-team',
  });
  expect(entity.metadata.description).toBe('Session cache for user service');
  expect(entity.metadata.annotations).toMatchObject({
    'github.com/project-slug': 'acme/my-redis',
    'backstage.io/kubernetes-id': 'my-redis',
    'backstage.io/managed-by-origin-location': `url:${github.url}/acme/my-redis/blob/main/catalog-info.yaml`,
  });

  // The task's output links point at both.
  const links = task.output.links as Array<{ title: string; url?: string; entityRef?: string }>;
  expect(links).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ title: 'Repository', url: `${github.url}/acme/my-redis` }),
      expect.objectContaining({ title: 'Open in catalog', entityRef: 'component:default/my-redis' }),
      expect.objectContaining({ url: 'https://my-redis.dev.goldenpathidp.io' }),
    ]),
  );
  // The token never reaches the task log, its output or a file of the generated repository.
  expect(JSON.stringify(task)).not.toContain(DEFAULT_TOKEN);
  const grep = spawnSync('git', ['grep', '--count', '--fixed-strings', DEFAULT_TOKEN, 'HEAD'], {
    cwd: dir,
    encoding: 'utf8',
  });
  expect({ status: grep.status, found: grep.stdout }).toEqual({ status: 1, found: '' }); // 1: no match
}, 120_000);

it('stops on an invalid entity before the repository is created, and registers nothing', async () => {
  const values = { ...SEED_VALUES, component_id: 'bad-entity', repoUrl: `${github.host}?owner=acme&repo=bad-entity` };
  const task = await backend.waitForTask(await backend.startTask(BROKEN_TEMPLATE, values), 90_000);
  expect(task.status).toBe('failed');
  const log = task.log.join('\n');
  expect(log).toMatch(/The catalog entity is invalid, so nothing was registered/);
  expect(log).toContain('catalog-info.yaml (document 1), Component bad-entity: spec.owner');
  expect(log).toContain('names an invalid entity name');
  expect(await backend.getEntity('component:default/bad-entity')).toBeUndefined();
  expect(github.repoExists('acme', 'bad-entity')).toBe(false);
  const locations = (await (await fetch(`${backend.url}/api/catalog/locations`)).json()) as any[];
  expect(locations.map(l => l.data.target)).not.toContainEqual(expect.stringContaining('/acme/bad-entity/'));
}, 120_000);

it('refuses a hostile owner in the form before anything is created', async () => {
  const values = {
    ...SEED_VALUES,
    component_id: 'hostile-owner',
    owner: 'group:default/x\nspec: {owner: evil}',
    repoUrl: `${github.host}?owner=acme&repo=hostile-owner`,
  };
  const response = await fetch(`${backend.url}/api/scaffolder/v2/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ templateRef: TEMPLATE, values }),
  });
  if (response.status === 201) {
    const task = await backend.waitForTask(((await response.json()) as any).id, 60_000);
    expect(task.status).toBe('failed');
    expect(task.log.join('\n')).toMatch(/owner: .* (is not an entity reference|has an invalid name)/);
  } else {
    expect(response.status).toBe(400);
  }
  expect(github.repoExists('acme', 'hostile-owner')).toBe(false);
  expect(await backend.getEntity('component:default/hostile-owner')).toBeUndefined();
}, 90_000);
