/**
 * goldenpath:github:repo:create and goldenpath:github:push against the GitHub
 * stand-in: real octokit, real HTTP, requests checked against GitHub's OpenAPI
 * description, and the result read back with the git binary.
 */
import { ConfigReader } from '@backstage/config';
import { DefaultGithubCredentialsProvider, ScmIntegrations } from '@backstage/integration';
import { JsonValue } from '@backstage/types';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGithubPushAction } from '../src/actions/githubPush';
import { createGithubRepoCreateAction } from '../src/actions/githubRepoCreate';
import { FAST_CLIENT } from './support/githubHarness';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from './github-standin';
import { actionContext, ActionRecord } from './support/actionContext';
import { startEmbeddedScaffolder } from '../cli/src/dryrun/embeddedScaffolder';
import { loadTemplateBundle } from '../cli/src/dryrun/templateBundle';
import { SEED_VALUES, TEMPLATE_FILE, writeFiles } from './support/rendered';

let github: GithubStandin;
let renderedSkeleton: string;
let repoCounter = 0;

beforeAll(async () => {
  github = await startGithubStandin({ orgs: ['acme'] });
  const scaffolder = await startEmbeddedScaffolder();
  const result = await scaffolder.dryRun(loadTemplateBundle(TEMPLATE_FILE), SEED_VALUES as any);
  await scaffolder.stop();
  if (!result.ok) throw new Error(result.errors.join('\n'));
  renderedSkeleton = writeFiles(result.files, fs.mkdtempSync(path.join(os.tmpdir(), 'skeleton-')));
});
afterAll(() => github?.close());
beforeEach(() => {
  github.clearFaults();
  github.resetRequests();
});

function actions(token = DEFAULT_TOKEN, clientOptions = FAST_CLIENT) {
  const integrations = ScmIntegrations.fromConfig(
    new ConfigReader({ integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token }] } }),
  );
  const deps = {
    integrations,
    githubCredentialsProvider: DefaultGithubCredentialsProvider.fromIntegrations(integrations),
    clientOptions,
  };
  return { create: createGithubRepoCreateAction(deps), push: createGithubPushAction(deps) };
}

const nextRepo = () => `app-${++repoCounter}`;
const repoUrl = (repo: string, owner = 'acme') => `${github.host}?owner=${owner}&repo=${repo}`;

async function runCreateAndPush(opts: {
  repo: string;
  workspace?: string;
  checkpoints?: Map<string, JsonValue>;
  record?: ActionRecord;
  token?: string;
  owner?: string;
}) {
  const { create, push } = actions(opts.token);
  const checkpoints = opts.checkpoints ?? new Map();
  const record = opts.record ?? { logs: [], outputs: {} };
  const workspacePath = opts.workspace ?? renderedSkeleton;
  const url = repoUrl(opts.repo, opts.owner);
  await create.handler(
    actionContext({ input: { repoUrl: url, description: 'Session cache' }, workspacePath, checkpoints, record }).ctx,
  );
  await push.handler(
    actionContext({ input: { repoUrl: url, branch: 'main' }, workspacePath, checkpoints, record }).ctx,
  );
  return record;
}

function git(args: string[], cwd?: string) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** Clones the stand-in's repository with the git binary and returns path → [mode, content]. */
function cloneTree(owner: string, repo: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clone-'));
  git(['clone', '--quiet', github.gitDir(owner, repo), dir]);
  const listing = git(['ls-tree', '-r', 'HEAD'], dir).split('\n').filter(Boolean);
  return {
    dir,
    commits: Number(git(['rev-list', '--count', '--all'], dir)),
    files: Object.fromEntries(
      listing.map(line => {
        const [meta, file] = line.split('\t');
        const mode = meta.split(' ')[0];
        return [file, { mode, content: fs.readFileSync(path.join(dir, file)) }];
      }),
    ),
  };
}

function workspaceTree(dir: string) {
  const out: Record<string, { mode: string; content: Buffer }> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else {
        const stat = fs.statSync(path.join(dir, child));
        out[child] = { mode: stat.mode & 0o111 ? '100755' : '100644', content: fs.readFileSync(path.join(dir, child)) };
      }
    }
  };
  walk('');
  return out;
}

describe('create + push of the rendered skeleton', () => {
  it('leaves one repository with one commit whose tree is the rendered skeleton, byte for byte', async () => {
    const repo = nextRepo();
    const record = await runCreateAndPush({ repo });
    const clone = cloneTree('acme', repo);
    expect(clone.commits).toBe(1);
    expect(clone.files).toEqual(workspaceTree(renderedSkeleton));
    expect(() => git(['fsck', '--strict', '--no-dangling'], github.gitDir('acme', repo))).not.toThrow();
    expect(record.outputs).toMatchObject({
      owner: 'acme',
      repo,
      defaultBranch: 'main',
      htmlUrl: expect.stringContaining(`/acme/${repo}`),
      repoContentsUrl: expect.stringMatching(new RegExp(`/acme/${repo}/blob/main$`)),
      commitHash: git(['rev-parse', 'HEAD'], clone.dir),
    });
    const summary = github.listRepos().find(r => r.repo === repo)!;
    expect(summary).toMatchObject({ private: true, defaultBranch: 'main', description: 'Session cache' });
  });

  it('keeps executable bits and pushes binary files as blobs', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-'));
    fs.cpSync(renderedSkeleton, workspace, { recursive: true });
    fs.mkdirSync(path.join(workspace, 'scripts'));
    fs.writeFileSync(path.join(workspace, 'scripts/run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    fs.writeFileSync(path.join(workspace, 'logo.bin'), binary);
    const repo = nextRepo();
    await runCreateAndPush({ repo, workspace });
    const clone = cloneTree('acme', repo);
    expect(clone.files['scripts/run.sh'].mode).toBe('100755');
    expect(clone.files['logo.bin'].content.equals(binary)).toBe(true);
    expect(github.countRequests({ method: 'POST', route: '/repos/{owner}/{repo}/git/blobs' })).toBe(1);
    expect(clone.files).toEqual(workspaceTree(workspace));
  });

  it('creates and pushes a text-only skeleton at the request floor, reading nothing, for 10 to 1,000 files', async () => {
    for (const n of [10, 100, 1000]) {
      const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-'));
      for (let i = 0; i < n; i++) {
        fs.mkdirSync(path.join(workspace, `dir${i % 7}`), { recursive: true });
        fs.writeFileSync(path.join(workspace, `dir${i % 7}/file${i}.txt`), `content ${i}\n`);
      }
      github.resetRequests();
      const repo = nextRepo();
      await runCreateAndPush({ repo, workspace });
      // create, tree, commit, ref: the floor; then the default branch protection publish:github also sets
      expect(github.requests.map(r => `${r.method} ${r.route}`)).toEqual([
        'POST /orgs/{org}/repos',
        'POST /repos/{owner}/{repo}/git/trees',
        'POST /repos/{owner}/{repo}/git/commits',
        'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
        'PUT /repos/{owner}/{repo}/branches/{branch}/protection',
      ]);
      const clone = cloneTree('acme', repo);
      expect(clone.commits).toBe(1);
      expect(Object.keys(clone.files)).toHaveLength(n);
    }
  });

  it("creates in the authenticated user's own account", async () => {
    const repo = nextRepo();
    await runCreateAndPush({ repo, owner: 'octo-user' });
    expect(cloneTree('octo-user', repo).commits).toBe(1);
  });
});

describe('safety', () => {
  it('refuses a repository that already exists and leaves it untouched', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const before = git(['rev-parse', 'refs/heads/main'], github.gitDir('acme', repo));
    await expect(runCreateAndPush({ repo })).rejects.toThrow(
      new RegExp(
        `Repository acme/${repo} already exists and was not created by this task \\(.+\\); nothing in it was changed`,
      ),
    );
    expect(git(['rev-parse', 'refs/heads/main'], github.gitDir('acme', repo))).toBe(before);
  });

  it('resumes after a crash between create and push: one repository, one commit', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    // The push dies: GitHub keeps failing the tree call past every retry.
    github.inject({ kind: 'status', status: 502, method: 'POST', route: '/repos/{owner}/{repo}/git/trees', times: 10 });
    await expect(runCreateAndPush({ repo, checkpoints })).rejects.toThrow(/502/);
    github.clearFaults();
    github.resetRequests();
    // The recovered task runs both steps again with the checkpoints it stored.
    await runCreateAndPush({ repo, checkpoints });
    expect(github.countRequests({ method: 'POST', route: '/orgs/{org}/repos' })).toBe(0);
    expect(github.listRepos().filter(r => r.repo === repo)).toHaveLength(1);
    const clone = cloneTree('acme', repo);
    expect(git(['rev-list', '--count', 'HEAD'], clone.dir)).toBe('1');
    expect(clone.files).toEqual(workspaceTree(renderedSkeleton));
  });

  it('adopts the repository it created when the crash came before its checkpoint was saved', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    const { create } = actions();
    await create.handler(
      actionContext({ input: { repoUrl: repoUrl(repo), description: 'Session cache' }, checkpoints }).ctx,
    );
    // Forget the result, keep the intent: as if the process died right after GitHub answered.
    for (const key of [...checkpoints.keys()]) if (!key.includes('.intent.')) checkpoints.delete(key);
    await runCreateAndPush({ repo, checkpoints });
    expect(cloneTree('acme', repo).commits).toBe(1);
  });

  it('does not push a second commit when the push is run again', async () => {
    const repo = nextRepo();
    const record = await runCreateAndPush({ repo });
    const first = record.outputs.commitHash;
    const again = await runCreateAndPush({
      repo,
      checkpoints: new Map([
        [
          `github.repo.create.v2.${github.host}/acme/${repo}`,
          { owner: 'acme', repo, htmlUrl: `${github.url}/acme/${repo}`, remoteUrl: '', initialBranch: 'main' },
        ],
      ]),
    });
    expect(again.outputs.commitHash).toBe(first);
    expect(cloneTree('acme', repo).commits).toBe(1);
  });
});

describe('transient failures are retried', () => {
  it.each([
    ['a 5xx twice', { kind: 'status' as const, status: 503, times: 2 }],
    ['a dropped connection', { kind: 'reset-connection' as const, times: 1 }],
    [
      'a secondary rate limit with retry-after',
      { kind: 'secondary-rate-limit' as const, retryAfterSeconds: 1, times: 1 },
    ],
    ['a 429', { kind: 'rate-limit' as const, status: 429, retryAfterSeconds: 1, times: 1 }],
    ['a primary rate limit (403, remaining 0)', { kind: 'rate-limit' as const, retryAfterSeconds: 1, times: 1 }],
  ])('%s on the tree call', async (_name, fault) => {
    const repo = nextRepo();
    github.inject({ ...fault, method: 'POST', route: '/repos/{owner}/{repo}/git/trees' });
    const record = await runCreateAndPush({ repo });
    expect(cloneTree('acme', repo).commits).toBe(1);
    expect(github.countRequests({ method: 'POST', route: '/repos/{owner}/{repo}/git/trees' })).toBeGreaterThan(1);
    expect(record.outputs.commitHash).toMatch(/^[0-9a-f]{40}$/);
  });

  it('waits for a just-created repository that is not ready yet', async () => {
    const repo = nextRepo();
    github.inject({ kind: 'not-ready', route: /\/git\/|\/contents\//, times: 3 });
    const record = await runCreateAndPush({ repo });
    expect(cloneTree('acme', repo).commits).toBe(1);
    expect(record.logs.join('\n')).toMatch(/not ready yet/);
  });

  it('gives up on a rate limit whose retry-after is too long, saying so', async () => {
    github.inject({ kind: 'secondary-rate-limit', retryAfterSeconds: 600, method: 'POST', route: '/orgs/{org}/repos' });
    await expect(runCreateAndPush({ repo: nextRepo() })).rejects.toThrow(/403.*secondary rate limit/i);
  });
});

describe('permission errors fail at once and name the credential', () => {
  it('401 for a bad token, with no retry and no secret in the message or log', async () => {
    const record: ActionRecord = { logs: [], outputs: {} };
    const secret = 'ghp_THIS_IS_A_REVOKED_SECRET_123';
    const error = await runCreateAndPush({ repo: nextRepo(), token: secret, record }).catch(e => e);
    expect(error.name).toBe('AuthenticationError');
    expect(error.message).toMatch(/rejected the integrations\.github token for 127\.0\.0\.1:\d+.*401/);
    expect(github.requests.length).toBe(1);
    const everything = `${error.message}\n${error.stack}\n${record.logs.join('\n')}\n${JSON.stringify(record.outputs)}`;
    expect(everything).not.toContain(secret);
  });

  it('403 when the credential may not create repositories', async () => {
    github.inject({
      kind: 'status',
      status: 403,
      method: 'POST',
      route: '/orgs/{org}/repos',
      body: { message: 'Must have admin rights to Repository.' },
    });
    const error = await runCreateAndPush({ repo: nextRepo() }).catch(e => e);
    expect(error.message).toMatch(
      /may not create the repository acme\/app-\d+ \(403 Must have admin rights to Repository\.\): it needs permission to create repositories/,
    );
    expect(github.countRequests({ method: 'POST', route: '/orgs/{org}/repos' })).toBe(1);
  });

  it('403 on push names the contents and workflow permissions', async () => {
    github.inject({
      kind: 'status',
      status: 403,
      method: 'POST',
      route: '/repos/{owner}/{repo}/git/trees',
      body: { message: 'Resource not accessible by integration' },
    });
    const error = await runCreateAndPush({ repo: nextRepo() }).catch(e => e);
    expect(error.message).toMatch(/needs Contents: write.*workflow scope/);
  });
});

describe('input checks and dry run', () => {
  it('makes no request in a dry run and outputs well-formed values', async () => {
    const { create, push } = actions();
    const record: ActionRecord = { logs: [], outputs: {} };
    const url = repoUrl('dry');
    await create.handler(actionContext({ input: { repoUrl: url }, isDryRun: true, record }).ctx);
    await push.handler(
      actionContext({ input: { repoUrl: url }, workspacePath: renderedSkeleton, isDryRun: true, record }).ctx,
    );
    expect(github.requests).toEqual([]);
    expect(record.outputs).toEqual({
      remoteUrl: `https://${github.host}/acme/dry.git`,
      htmlUrl: `https://${github.host}/acme/dry`,
      repoContentsUrl: `https://${github.host}/acme/dry/blob/main`,
      owner: 'acme',
      repo: 'dry',
      defaultBranch: 'main',
      commitHash: '0'.repeat(40),
    });
  });

  it.each([
    [
      'an unknown host',
      'gitlab.example.com?owner=acme&repo=x',
      /no GitHub integration is configured for host "gitlab.example.com"/,
    ],
    ['a bad repository name', 'HOST?owner=acme&repo=bad%20name', /repository name "bad name" is not valid/],
    ['a missing owner', 'HOST?repo=x', /repoUrl/],
  ])('refuses %s before any request', async (_n, url, message) => {
    const { create } = actions();
    await expect(
      create.handler(actionContext({ input: { repoUrl: url.replace('HOST', github.host) } }).ctx),
    ).rejects.toThrow(message);
    expect(github.requests).toEqual([]);
  });

  it('refuses bad topics', async () => {
    const { create } = actions();
    await expect(
      create.handler(actionContext({ input: { repoUrl: repoUrl('t'), topics: ['Bad Topic'] } }).ctx),
    ).rejects.toThrow(/topics: "Bad Topic"/);
  });
});

describe('GitHub App credentials', () => {
  it('creates and pushes with an App installation token from integrations.github', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const appGithub = await startGithubStandin({
      orgs: ['acme'],
      apps: [{ appId: 7001, privateKey, installations: [{ account: 'acme' }] }],
    });
    try {
      const integrations = ScmIntegrations.fromConfig(
        new ConfigReader({
          integrations: {
            github: [
              {
                host: appGithub.host,
                apiBaseUrl: appGithub.apiBaseUrl,
                apps: [{ appId: 7001, privateKey, clientId: 'x', clientSecret: 'x', webhookSecret: 'x' }],
              },
            ],
          },
        }),
      );
      const deps = {
        integrations,
        githubCredentialsProvider: DefaultGithubCredentialsProvider.fromIntegrations(integrations),
        clientOptions: FAST_CLIENT,
      };
      const url = `${appGithub.host}?owner=acme&repo=from-app`;
      const checkpoints = new Map<string, JsonValue>();
      await createGithubRepoCreateAction(deps).handler(actionContext({ input: { repoUrl: url }, checkpoints }).ctx);
      await createGithubPushAction(deps).handler(
        actionContext({ input: { repoUrl: url }, workspacePath: renderedSkeleton, checkpoints }).ctx,
      );
      expect(
        appGithub.countRequests({ route: '/app/installations/{installation_id}/access_tokens' }),
      ).toBeGreaterThanOrEqual(1);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clone-'));
      git(['clone', '--quiet', appGithub.gitDir('acme', 'from-app'), dir]);
      expect(git(['log', '--format=%an', '-1'], dir)).toMatch(/\[bot\]$/);
      expect(fs.existsSync(path.join(dir, '.github/workflows/delivery.yml'))).toBe(true);
    } finally {
      await appGithub.close();
    }
  });
});
