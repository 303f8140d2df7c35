/**
 * goldenpath:catalog:register against the real catalog backend (in-process,
 * SQLite), reading catalog files from the GitHub stand-in.
 */
import { CatalogClient } from '@backstage/catalog-client';
import { CatalogService } from '@backstage/plugin-catalog-node';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createCatalogRegisterAction } from '../src/actions/catalogRegister';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from './github-standin';
import { actionContext, ActionRecord } from './support/actionContext';
import { GoldenPathBackend, startGoldenPathBackend } from './support/backends';

let github: GithubStandin;
let backend: GoldenPathBackend;

const entityYaml = (name: string, owner = 'group:default/platform-team') => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  description: "A test component"
spec:
  type: service
  lifecycle: experimental
  owner: ${JSON.stringify(owner)}
`;

/** A workspace holding catalog-info.yaml, and the same file published in a stand-in repository. */
async function publish(repo: string, text: string) {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'register-'));
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), text);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: workspace,
      stdio: 'pipe',
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  await github.createRepoDirectly('acme', repo);
  git('push', '-q', github.gitDir('acme', repo), 'main:main');
  fs.rmSync(path.join(workspace, '.git'), { recursive: true, force: true });
  return { workspace, repoContentsUrl: `${github.url}/acme/${repo}/blob/main` };
}

/** The catalog's real HTTP API through Backstage's own client, shaped as the CatalogService the action takes. */
function catalogAt(baseUrl: string): CatalogService {
  const client = new CatalogClient({ discoveryApi: { getBaseUrl: async () => `${baseUrl}/api/catalog` } });
  return {
    getEntityByRef: (ref: string) => client.getEntityByRef(ref),
    getLocationByRef: (ref: string) => client.getLocationByRef(ref),
    addLocation: (request: any) => client.addLocation(request),
  } as unknown as CatalogService;
}

const refusingCatalog = new Proxy(
  {},
  {
    get: (_t, name) => () => {
      throw new Error(`catalog.${String(name)} must not be called`);
    },
  },
) as CatalogService;

beforeAll(async () => {
  github = await startGithubStandin({ orgs: ['acme'] });
  backend = await startGoldenPathBackend({
    config: {
      integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: DEFAULT_TOKEN }] },
      catalog: { processingInterval: { seconds: 1 }, rules: [{ allow: ['Component', 'Location', 'Template'] }] },
    },
  });
}, 60_000);
afterAll(async () => {
  await backend?.stop();
  await github?.close();
});

const register = (
  catalog: CatalogService,
  input: Record<string, unknown>,
  workspacePath: string,
  extra: { isDryRun?: boolean; record?: ActionRecord } = {},
) =>
  createCatalogRegisterAction({ catalog, retryDelayMs: 20, pollIntervalMs: 100 }).handler(
    actionContext({ input, workspacePath, ...extra }).ctx,
  );

it('registers, waits until the entity is in the catalog, and outputs its ref', async () => {
  const { workspace, repoContentsUrl } = await publish('svc-a', entityYaml('svc-a'));
  const record: ActionRecord = { logs: [], outputs: {} };
  await register(catalogAt(backend.url), { repoContentsUrl }, workspace, { record });
  expect(record.outputs).toEqual({
    entityRef: 'component:default/svc-a',
    catalogInfoUrl: `${repoContentsUrl}/catalog-info.yaml`,
  });
  // waitForEntity: by the time the action returns, the entity is there.
  expect((await backend.getEntity('component:default/svc-a'))?.spec.owner).toBe('group:default/platform-team');
});

it('treats a location that is already registered for the same target as success', async () => {
  const { workspace, repoContentsUrl } = await publish('svc-b', entityYaml('svc-b'));
  await register(catalogAt(backend.url), { repoContentsUrl }, workspace);
  const record: ActionRecord = { logs: [], outputs: {} };
  await register(catalogAt(backend.url), { repoContentsUrl }, workspace, { record });
  expect(record.logs.join('\n')).toMatch(/already registered/);
});

it("fails clearly when another location's entity has the same name, registering nothing", async () => {
  const first = await publish('svc-c', entityYaml('svc-c', 'group:default/team-one'));
  await register(catalogAt(backend.url), { repoContentsUrl: first.repoContentsUrl }, first.workspace);
  const second = await publish('svc-c-copy', entityYaml('svc-c'));
  await expect(
    register(catalogAt(backend.url), { repoContentsUrl: second.repoContentsUrl }, second.workspace),
  ).rejects.toThrow(
    /component:default\/svc-c is already in the catalog, registered from url:.*\/acme\/svc-c\/blob\/main\/catalog-info\.yaml and owned by group:default\/team-one; nothing was registered/,
  );
  expect(
    await catalogAt(backend.url).getLocationByRef(`url:${second.repoContentsUrl}/catalog-info.yaml`, {} as any),
  ).toBeUndefined();
});

it('validates before registering: an invalid entity names the file, field and rule, and nothing is called', async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'register-'));
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), entityYaml('Not A Valid Name!'));
  await expect(
    register(refusingCatalog, { repoContentsUrl: 'https://github.com/acme/x/blob/main' }, workspace),
  ).rejects.toThrow(/catalog-info\.yaml \(document 1\), Component Not A Valid Name!: .*metadata\.name/);
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), `${entityYaml('ok')}\nspec: {}\n`);
  await expect(
    register(refusingCatalog, { repoContentsUrl: 'https://github.com/acme/x/blob/main' }, workspace),
  ).rejects.toThrow(/not valid YAML.*(duplicate|unique)/i);
});

it('in a dry run validates and outputs the entityRef without calling the catalog', async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'register-'));
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), entityYaml('dry-svc'));
  const record: ActionRecord = { logs: [], outputs: {} };
  await register(refusingCatalog, { repoContentsUrl: 'https://github.com/acme/dry-svc/blob/main' }, workspace, {
    isDryRun: true,
    record,
  });
  expect(record.outputs.entityRef).toBe('component:default/dry-svc');
});

it('retries a catalog that answers 503, then succeeds', async () => {
  const { workspace, repoContentsUrl } = await publish('svc-d', entityYaml('svc-d'));
  let failuresLeft = 2;
  const target = new URL(backend.url);
  const proxy = http.createServer((req, res) => {
    if (failuresLeft > 0) {
      failuresLeft--;
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { name: 'ServiceUnavailable', message: 'starting' } }));
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>(r => proxy.listen(0, '127.0.0.1', () => r()));
  try {
    const record: ActionRecord = { logs: [], outputs: {} };
    await register(
      catalogAt(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`),
      { repoContentsUrl },
      workspace,
      { record },
    );
    expect(record.logs.filter(l => /retrying/.test(l))).toHaveLength(2);
    expect(await backend.getEntity('component:default/svc-d')).toBeDefined();
  } finally {
    proxy.close();
  }
});

it('gives a clear error when the catalog stays unreachable', async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'register-'));
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), entityYaml('down-svc'));
  const closed = http.createServer();
  await new Promise<void>(r => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as AddressInfo).port;
  await new Promise(r => closed.close(r)); // nothing listens there now
  await expect(
    register(
      catalogAt(`http://127.0.0.1:${port}`),
      { repoContentsUrl: 'https://github.com/acme/down-svc/blob/main' },
      workspace,
    ),
  ).rejects.toThrow(/The catalog could not read the catalog after 3 attempts/);
});

it('fails on timeout with what it saw when the entity never appears', async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'register-'));
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), entityYaml('never-svc'));
  // The repository does not exist, so the catalog can never read the file.
  await expect(
    register(
      catalogAt(backend.url),
      { repoContentsUrl: `${github.url}/acme/no-such-repo/blob/main`, waitTimeoutSeconds: 2 },
      workspace,
    ),
  ).rejects.toThrow(
    /component:default\/never-svc did not appear in the catalog within 2s \(the location is registered as [\w-]+\)/,
  );
});

it('with validateOnly checks the rendered file and calls nothing, so it can run before the repository exists', async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'register-'));
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), entityYaml('early-svc'));
  const record: ActionRecord = { logs: [], outputs: {} };
  await register(refusingCatalog, { validateOnly: true }, workspace, { record });
  expect(record.outputs.entityRef).toBe('component:default/early-svc');
  fs.writeFileSync(
    path.join(workspace, 'catalog-info.yaml'),
    entityYaml('early-svc', 'component:default/not-an-owner'),
  );
  await expect(register(refusingCatalog, { validateOnly: true }, workspace)).rejects.toThrow(
    /spec\.owner "component:default\/not-an-owner" must refer to a group or user/,
  );
});
