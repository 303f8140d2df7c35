/**
 * The stand-in is only worth something if it refuses what GitHub refuses and stores what GitHub
 * stores. These tests drive it with the real @octokit/rest client (and supertest where raw HTTP
 * matters) and judge git data with the real git CLI.
 */
import { execFileSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import request from 'supertest';
import { ConfigReader } from '@backstage/config';
import { GithubUrlReader } from '@backstage/backend-defaults/urlReader';
import { DefaultGithubCredentialsProvider, ScmIntegrations } from '@backstage/integration';
import { createAppAuth } from '@octokit/auth-app';
import { DEFAULT_TOKEN, GithubStandin, specStats, startGithubStandin, validateResponse } from './index';
import { failure } from './testing';

const READONLY_TOKEN = 'ghp_readonly_token';
const NO_WORKFLOW_TOKEN = 'ghp_no_workflow_scope';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let gh: GithubStandin;
let octokit: Octokit;
let startupMs: number;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-test-'));

function client(auth = DEFAULT_TOKEN): Octokit {
  return new Octokit({ baseUrl: gh.apiBaseUrl, auth, log: silent });
}

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function expectDocumentedShape(method: string, route: string, status: number, body: unknown) {
  expect(validateResponse(method, route, status, body)).toEqual([]);
}

beforeAll(async () => {
  const t0 = performance.now();
  gh = await startGithubStandin({
    tokens: {
      [DEFAULT_TOKEN]: { login: 'octo-user', scopes: ['repo', 'workflow'], permission: 'admin' },
      [READONLY_TOKEN]: { login: 'reader', scopes: ['repo'], permission: 'read' },
      [NO_WORKFLOW_TOKEN]: { login: 'octo-user', scopes: ['repo'], permission: 'admin' },
    },
    orgs: ['acme'],
    users: ['someone-else'],
  });
  startupMs = performance.now() - t0;
  octokit = client();
});

afterAll(async () => {
  await gh?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('start-up', () => {
  it('starts (timing printed) and listens on loopback only', async () => {
    const stats = specStats();

    console.log(
      `github-standin: first start ${startupMs.toFixed(0)} ms (OpenAPI ${stats.fromCache ? 'from trimmed cache' : 'parsed from @octokit/openapi'} in ${stats.loadMs.toFixed(0)} ms, ${stats.operations} operations)`,
    );
    const second = await startGithubStandin();
    expect(second.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(second.apiBaseUrl).toBe(`${second.url}/api/v3`);
    expect(second.host).toBe(second.url.replace('http://', ''));
    await second.close();
  });
});

describe('authentication', () => {
  it('requires credentials and rejects unknown tokens', async () => {
    const none = await request(gh.url).get('/api/v3/user');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({
      message: 'Requires authentication',
      documentation_url: expect.stringContaining('docs.github.com'),
    });

    const bad = await request(gh.url).get('/api/v3/user').set('Authorization', 'token ghp_nope');
    expect(bad.status).toBe(401);
    expect(bad.body.message).toBe('Bad credentials');
    expect((await failure(client('ghp_nope').rest.users.getAuthenticated())).status).toBe(401);
  });

  it('accepts "token" and "Bearer" and answers with GitHub headers', async () => {
    for (const scheme of ['token', 'Bearer']) {
      const res = await request(gh.url).get('/api/v3/user').set('Authorization', `${scheme} ${DEFAULT_TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.body.login).toBe('octo-user');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['x-github-request-id']).toMatch(/^[0-9A-F]+(:[0-9A-F]+){4}$/);
      expect(res.headers['x-oauth-scopes']).toBe('repo, workflow');
      expect(Number(res.headers['x-ratelimit-remaining'])).toBeGreaterThan(0);
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
      expect(res.headers['x-ratelimit-limit']).toBe('5000');
    }
  });

  it('never records the token itself', () => {
    expect(JSON.stringify(gh.requests)).not.toContain(DEFAULT_TOKEN);
    expect(gh.requests.some(r => r.authorization)).toBe(true);
    expect(gh.requests.some(r => !r.authorization)).toBe(true);
  });
});

describe('validation against the OpenAPI description', () => {
  it('answers 404 for undocumented paths and methods, and records no route', async () => {
    const res = await request(gh.url)
      .get('/api/v3/repos/acme/x/no-such-thing')
      .set('Authorization', `token ${DEFAULT_TOKEN}`);
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('Not Found');
    const last = gh.requests[gh.requests.length - 1];
    expect(last).toMatchObject({
      method: 'GET',
      path: '/api/v3/repos/acme/x/no-such-thing',
      route: undefined,
      status: 404,
    });

    const method = await request(gh.url).put('/api/v3/user').set('Authorization', `token ${DEFAULT_TOKEN}`).send({});
    expect(method.status).toBe(404);
    expect((await request(gh.url).get('/repos/acme/x').set('Authorization', `token ${DEFAULT_TOKEN}`)).status).toBe(
      404,
    ); // outside /api/v3
  });

  it('refuses a body that breaks the request schema with 422 in GitHub wording', async () => {
    const e = await failure(
      octokit.request('POST /orgs/{org}/repos', { org: 'acme', name: 'typed', private: 'yes' as unknown as boolean }),
    );
    expect(e.status).toBe(422);
    expect(e.response.data.message).toBe(`Invalid request.\n\nFor 'properties/private', "yes" is not a boolean.`);
    expect(e.response.data.documentation_url).toBe(
      'https://docs.github.com/rest/repos/repos#create-an-organization-repository',
    );
    expect(gh.repoExists('acme', 'typed')).toBe(false);

    const missing = await failure(octokit.request('POST /orgs/{org}/repos', { org: 'acme' } as any));
    expect(missing.response.data.message).toBe(`Invalid request.\n\n"name" wasn't supplied.`);

    const enumBad = await failure(
      octokit.request('POST /repos/{owner}/{repo}/git/trees', {
        owner: 'acme',
        repo: 'whatever',
        tree: [{ path: 'a', mode: '100600' as any, type: 'blob', content: 'x' }],
      }),
    );
    expect(enumBad.status).toBe(422);
    expect(enumBad.response.data.message).toContain(`For 'properties/tree/items/mode', "100600" is not a member of`);
  });

  it('refuses body keys the description does not declare, on every route, naming the key', async () => {
    // GitHub ignores them; a misspelt optional parameter must not pass silently here
    const typo = await failure(
      octokit.request('POST /orgs/{org}/repos', { org: 'acme', name: 'typo', has_wikis: false } as any),
    );
    expect(typo.status).toBe(422);
    expect(typo.response.data.message).toBe('Invalid request.\n\n"has_wikis" is not a permitted key.');
    expect(gh.repoExists('acme', 'typo')).toBe(false);

    await octokit.rest.repos.createInOrg({ org: 'acme', name: 'strict-keys', auto_init: true });
    const nested = await failure(
      octokit.request('POST /repos/{owner}/{repo}/git/trees', {
        owner: 'acme',
        repo: 'strict-keys',
        tree: [{ path: 'a', mode: '100644', type: 'blob', content: 'x', encoding: 'utf-8' } as any],
      }),
    );
    expect(nested.status).toBe(422);
    expect(nested.response.data.message).toBe('Invalid request.\n\n"tree/items/encoding" is not a permitted key.');
    const commit = await failure(
      octokit.request('POST /repos/{owner}/{repo}/git/commits', {
        owner: 'acme',
        repo: 'strict-keys',
        message: 'm',
        tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        parent: [],
      } as any),
    );
    expect(commit.response.data.message).toBe('Invalid request.\n\n"parent" is not a permitted key.');
    const update = await failure(
      octokit.request('PATCH /repos/{owner}/{repo}', { owner: 'acme', repo: 'strict-keys', defaultBranch: 'x' } as any),
    );
    expect(update.response.data.message).toBe('Invalid request.\n\n"defaultBranch" is not a permitted key.');
  });

  it("tolerates only Backstage's publish:github allow_update_branch, and only on repository creation", async () => {
    // module-github's createGithubRepoWithCollaboratorsAndTopics sends it where GitHub does not document it
    for (const route of ['POST /orgs/{org}/repos', 'POST /user/repos'] as const) {
      const name = `tolerated-${route.includes('orgs') ? 'org' : 'user'}`;
      const params = route === 'POST /orgs/{org}/repos' ? { org: 'acme' } : {};
      const res = await octokit.request(route, { ...params, name, allow_update_branch: true } as any);
      expect(res.status).toBe(201);
    }
    const elsewhere = await failure(
      octokit.request('PUT /repos/{owner}/{repo}/topics', {
        owner: 'acme',
        repo: 'tolerated-org',
        names: [],
        allow_update_branch: true,
      } as any),
    );
    expect(elsewhere.response.data.message).toBe('Invalid request.\n\n"allow_update_branch" is not a permitted key.');
  });

  it('validates query parameters and JSON syntax', async () => {
    await octokit.rest.repos.createInOrg({ org: 'acme', name: 'query-check', auto_init: true });
    const res = await request(gh.url)
      .get('/api/v3/repos/acme/query-check/commits?per_page=lots')
      .set('Authorization', `token ${DEFAULT_TOKEN}`);
    expect(res.status).toBe(422);
    expect(res.body.message).toContain(`"lots" is not an integer`);
    const ok = await request(gh.url)
      .get('/api/v3/repos/acme/query-check/commits?per_page=5')
      .set('Authorization', `token ${DEFAULT_TOKEN}`);
    expect(ok.status).toBe(200);

    const json = await request(gh.url)
      .post('/api/v3/orgs/acme/repos')
      .set('Authorization', `token ${DEFAULT_TOKEN}`)
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expect(json.status).toBe(400);
    expect(json.body.message).toBe('Problems parsing JSON');
  });
});

describe('users and organisations', () => {
  it('knows who exists and what type they are', async () => {
    const me = await octokit.rest.users.getAuthenticated();
    expect(me.data).toMatchObject({ login: 'octo-user', type: 'User' });
    expectDocumentedShape('GET', '/user', 200, me.data);
    expectDocumentedShape(
      'GET',
      '/users/{username}',
      200,
      (await octokit.rest.users.getByUsername({ username: 'octo-user' })).data,
    );
    expect((await octokit.rest.users.getByUsername({ username: 'acme' })).data.type).toBe('Organization');
    expect((await octokit.rest.users.getByUsername({ username: 'someone-else' })).data.type).toBe('User');
    const org = await octokit.rest.orgs.get({ org: 'acme' });
    expectDocumentedShape('GET', '/orgs/{org}', 200, org.data);
    expect((await failure(octokit.rest.orgs.get({ org: 'someone-else' }))).status).toBe(404);
    expect((await failure(octokit.rest.users.getByUsername({ username: 'ghost-user' }))).status).toBe(404);
  });
});

describe('repositories', () => {
  it('creates an EMPTY repository with the documented shape', async () => {
    const res = await octokit.rest.repos.createInOrg({
      org: 'acme',
      name: 'svc-empty',
      description: 'An app',
      private: true,
    });
    expect(res.status).toBe(201);
    expectDocumentedShape('POST', '/orgs/{org}/repos', 201, res.data);
    expect(res.data).toMatchObject({
      name: 'svc-empty',
      full_name: 'acme/svc-empty',
      private: true,
      visibility: 'private',
      default_branch: 'main',
      owner: { login: 'acme', type: 'Organization' },
      html_url: `${gh.url}/acme/svc-empty`,
      clone_url: `${gh.url}/acme/svc-empty.git`,
      url: `${gh.apiBaseUrl}/repos/acme/svc-empty`,
      topics: [],
    });
    expect(gh.repoExists('acme', 'SVC-EMPTY')).toBe(true); // names are case-insensitive
    const get = await octokit.rest.repos.get({ owner: 'acme', repo: 'svc-empty' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}', 200, get.data);
    expect(git(['for-each-ref'], gh.gitDir('acme', 'svc-empty'))).toBe(''); // no commits at all
  });

  it('refuses a name that exists, an unknown org and a read-only token', async () => {
    const dup = await failure(octokit.rest.repos.createInOrg({ org: 'acme', name: 'svc-empty' }));
    expect(dup.status).toBe(422);
    expect(dup.response.data).toMatchObject({
      message: 'Repository creation failed.',
      errors: [
        { resource: 'Repository', code: 'custom', field: 'name', message: 'name already exists on this account' },
      ],
    });
    expect((await failure(octokit.rest.repos.createInOrg({ org: 'nope', name: 'x' }))).status).toBe(404);
    expect((await failure(client(READONLY_TOKEN).rest.repos.createInOrg({ org: 'acme', name: 'ro' }))).status).toBe(
      403,
    );
    expect(gh.repoExists('acme', 'ro')).toBe(false);
  });

  it('creates user repositories, normalising the name as GitHub does', async () => {
    const res = await octokit.rest.repos.createForAuthenticatedUser({ name: 'my tool', auto_init: true });
    expect(res.data.full_name).toBe('octo-user/my-tool');
    expect(res.data.owner.type).toBe('User');
  });

  it("knows repositories it did not create, and hides other users' private ones", async () => {
    await gh.createRepoDirectly('acme', 'pre-existing', { autoInit: true });
    const dup = await failure(octokit.rest.repos.createInOrg({ org: 'acme', name: 'Pre-Existing' }));
    expect(dup.status).toBe(422);
    expect((await octokit.rest.repos.listCommits({ owner: 'acme', repo: 'pre-existing' })).data).toHaveLength(1);

    await gh.createRepoDirectly('someone-else', 'secret');
    expect(gh.repoExists('someone-else', 'secret')).toBe(true);
    expect((await failure(octokit.rest.repos.get({ owner: 'someone-else', repo: 'secret' }))).status).toBe(404);
  });

  it('deletes a repository only with the delete_repo scope', async () => {
    await gh.createRepoDirectly('acme', 'doomed');
    const e = await failure(octokit.rest.repos.delete({ owner: 'acme', repo: 'doomed' }));
    expect([e.status, e.response.data.message]).toEqual([403, 'Must have admin rights to Repository.']);
    expect(gh.repoExists('acme', 'doomed')).toBe(true);
  });

  it('updates description, default branch (must exist) and topics', async () => {
    await octokit.rest.repos.createInOrg({ org: 'acme', name: 'svc-meta', auto_init: true });
    const patched = await octokit.rest.repos.update({ owner: 'acme', repo: 'svc-meta', description: 'Stateful app' });
    expect(patched.data.description).toBe('Stateful app');
    expectDocumentedShape('PATCH', '/repos/{owner}/{repo}', 200, patched.data);
    const badBranch = await failure(
      octokit.rest.repos.update({ owner: 'acme', repo: 'svc-meta', default_branch: 'nope' }),
    );
    expect(badBranch.status).toBe(422);

    const topics = await octokit.rest.repos.replaceAllTopics({
      owner: 'acme',
      repo: 'svc-meta',
      names: ['stateful-app', 'Redis'],
    });
    expect(topics.data.names).toEqual(['stateful-app', 'redis']); // saved lowercase
    expect((await octokit.rest.repos.getAllTopics({ owner: 'acme', repo: 'svc-meta' })).data.names).toEqual([
      'stateful-app',
      'redis',
    ]);
    expect(
      (await failure(octokit.rest.repos.replaceAllTopics({ owner: 'acme', repo: 'svc-meta', names: ['-bad-'] })))
        .status,
    ).toBe(422);
    expect(gh.listRepos().find(r => r.repo === 'svc-meta')).toEqual({
      owner: 'acme',
      repo: 'svc-meta',
      private: false,
      visibility: 'public',
      defaultBranch: 'main',
      description: 'Stateful app',
      topics: ['stateful-app', 'redis'],
    });
  });
});

describe('an EMPTY repository', () => {
  const repo = { owner: 'acme', repo: 'svc-empty' };

  it('answers 409 "Git Repository is empty." to git data calls', async () => {
    const calls: Array<Promise<unknown>> = [
      octokit.rest.git.createBlob({ ...repo, content: 'x' }),
      octokit.rest.git.createTree({ ...repo, tree: [{ path: 'a.txt', mode: '100644', type: 'blob', content: 'x' }] }),
      octokit.rest.git.createCommit({
        ...repo,
        message: 'm',
        tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        parents: [],
      }),
      octokit.rest.git.getRef({ ...repo, ref: 'heads/main' }),
      octokit.rest.repos.listCommits(repo),
    ];
    for (const call of calls) {
      const e = await failure(call);
      expect(e.status).toBe(409);
      expect(e.response.data.message).toBe('Git Repository is empty.');
    }
    const contents = await failure(octokit.rest.repos.getContent({ ...repo, path: 'README.md' }));
    expect(contents.status).toBe(404);
    expect(contents.response.data.message).toBe('This repository is empty.');
  });

  it('is bootstrapped by the Contents API with a parentless commit', async () => {
    const put = await octokit.rest.repos.createOrUpdateFileContents({
      ...repo,
      path: 'catalog-info.yaml',
      message: 'Initial commit',
      content: Buffer.from('apiVersion: backstage.io/v1alpha1\n').toString('base64'),
    });
    expect(put.status).toBe(201);
    expectDocumentedShape('PUT', '/repos/{owner}/{repo}/contents/{path}', 201, put.data);
    expect(put.data.commit.parents).toEqual([]);
    expect(put.data.commit.author).toMatchObject({
      name: 'octo-user',
      email: expect.stringMatching(/\+octo-user@users\.noreply\.github\.com$/),
    });

    const ref = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
    expect(ref.data.object.sha).toBe(put.data.commit.sha);
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/git/ref/{ref}', 200, ref.data);
    const commits = await octokit.rest.repos.listCommits({ ...repo, sha: 'main' });
    expect(commits.data).toHaveLength(1);
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/commits', 200, commits.data);
    expect(commits.data[0].author?.login).toBe('octo-user');
  });

  it('needs the current sha to update a file, and makes one commit per call', async () => {
    const current = await octokit.rest.repos.getContent({ ...repo, path: 'catalog-info.yaml' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/contents/{path}', 200, current.data);
    const file = current.data as { sha: string; content: string; encoding: string };
    expect(file.encoding).toBe('base64');
    expect(Buffer.from(file.content, 'base64').toString()).toBe('apiVersion: backstage.io/v1alpha1\n');

    const content = Buffer.from('apiVersion: backstage.io/v1alpha1\nkind: Component\n').toString('base64');
    const noSha = await failure(
      octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: 'catalog-info.yaml', message: 'm', content }),
    );
    expect(noSha.status).toBe(422);
    expect(noSha.response.data.message).toBe(`Invalid request.\n\n"sha" wasn't supplied.`);
    const stale = await failure(
      octokit.rest.repos.createOrUpdateFileContents({
        ...repo,
        path: 'catalog-info.yaml',
        message: 'm',
        content,
        sha: 'a'.repeat(40),
      }),
    );
    expect(stale.status).toBe(409);
    const ok = await octokit.rest.repos.createOrUpdateFileContents({
      ...repo,
      path: 'catalog-info.yaml',
      message: 'Update',
      content,
      sha: file.sha,
    });
    expect(ok.status).toBe(200);
    expect((await octokit.rest.repos.listCommits(repo)).data.map(c => c.commit.message)).toEqual([
      'Update',
      'Initial commit',
    ]);
  });

  it('serves raw bytes with an ETag for conditional requests', async () => {
    const raw = await request(gh.url)
      .get('/api/v3/repos/acme/svc-empty/contents/catalog-info.yaml?ref=main')
      .set('Authorization', `Bearer ${DEFAULT_TOKEN}`)
      .set('Accept', 'application/vnd.github.v3.raw')
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(raw.status).toBe(200);
    expect((raw.body as Buffer).toString()).toBe('apiVersion: backstage.io/v1alpha1\nkind: Component\n');
    const again = await request(gh.url)
      .get('/api/v3/repos/acme/svc-empty/contents/catalog-info.yaml?ref=main')
      .set('Authorization', `Bearer ${DEFAULT_TOKEN}`)
      .set('Accept', 'application/vnd.github.raw')
      .set('If-None-Match', raw.headers.etag);
    expect(again.status).toBe(304);
    const missing = await failure(octokit.rest.repos.getContent({ ...repo, path: 'nope.txt' }));
    expect(missing.status).toBe(404);
    const root = await octokit.rest.repos.getContent({ ...repo, path: '' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/contents/{path}', 200, root.data);
    expect((root.data as Array<{ path: string; type: string }>).map(e => [e.path, e.type])).toEqual([
      ['catalog-info.yaml', 'file'],
    ]);
  });
});

describe('Git Data API with real objects', () => {
  const repo = { owner: 'acme', repo: 'svc-git' };
  const binary = crypto.randomBytes(4096);
  binary[0] = 0; // certainly not text
  const script = '#!/bin/sh\necho "hello"\n';
  const readme = '# svc-git\n\nÜnïcödé ✓\n';
  let treeSha: string;
  let commitSha: string;

  beforeAll(async () => {
    await octokit.rest.repos.createInOrg({ org: 'acme', name: 'svc-git', auto_init: true });
  });

  it('writes a nested tree with an executable, a binary blob and a symlink', async () => {
    const blob = await octokit.rest.git.createBlob({ ...repo, content: binary.toString('base64'), encoding: 'base64' });
    expect(blob.status).toBe(201);
    const file = path.join(scratch, 'logo.bin');
    fs.writeFileSync(file, binary);
    expect(blob.data.sha).toBe(git(['hash-object', file]).trim()); // git computes the same id
    expectDocumentedShape('POST', '/repos/{owner}/{repo}/git/blobs', 201, blob.data);
    const readBack = await octokit.rest.git.getBlob({ ...repo, file_sha: blob.data.sha });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/git/blobs/{file_sha}', 200, readBack.data);
    expect(Buffer.from(readBack.data.content, 'base64').equals(binary)).toBe(true);

    const tree = await octokit.rest.git.createTree({
      ...repo,
      // deliberately unsorted: the server must sort as git requires
      tree: [
        { path: 'scripts/run.sh', mode: '100755', type: 'blob', content: script },
        { path: 'README.md', mode: '100644', type: 'blob', content: readme },
        { path: 'assets/img/logo.bin', mode: '100644', type: 'blob', sha: blob.data.sha },
        { path: 'scripts/latest', mode: '120000', type: 'blob', content: 'run.sh' },
      ],
    });
    expect(tree.status).toBe(201);
    expectDocumentedShape('POST', '/repos/{owner}/{repo}/git/trees', 201, tree.data);
    expect(tree.data.tree.map(e => [e.path, e.mode, e.type])).toEqual([
      ['README.md', '100644', 'blob'],
      ['assets', '040000', 'tree'],
      ['scripts', '040000', 'tree'],
    ]);
    treeSha = tree.data.sha;
    const recursive = await octokit.rest.git.getTree({ ...repo, tree_sha: treeSha, recursive: '1' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/git/trees/{tree_sha}', 200, recursive.data);
    expect(recursive.data.tree.filter(e => e.type === 'blob').map(e => e.path)).toEqual([
      'README.md',
      'assets/img/logo.bin',
      'scripts/latest',
      'scripts/run.sh',
    ]);
  });

  it('creates a parentless commit and a ref, and git agrees byte for byte', async () => {
    const commit = await octokit.rest.git.createCommit({
      ...repo,
      message: 'Scaffold svc-git\n\nfrom the golden path',
      tree: treeSha,
      parents: [],
    });
    expect(commit.status).toBe(201);
    expectDocumentedShape('POST', '/repos/{owner}/{repo}/git/commits', 201, commit.data);
    expect(commit.data.parents).toEqual([]);
    commitSha = commit.data.sha;
    expectDocumentedShape(
      'GET',
      '/repos/{owner}/{repo}/git/commits/{commit_sha}',
      200,
      (await octokit.rest.git.getCommit({ ...repo, commit_sha: commitSha })).data,
    );
    const ref = await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/scaffold', sha: commitSha });
    expect(ref.status).toBe(201);
    expectDocumentedShape('POST', '/repos/{owner}/{repo}/git/refs', 201, ref.data);

    const dir = gh.gitDir('acme', 'svc-git');
    git(['fsck', '--strict', '--no-dangling'], dir); // throws on any complaint
    const checkout = path.join(scratch, 'svc-git');
    git(['clone', '--quiet', '--branch', 'scaffold', dir, checkout]);
    expect(git(['rev-parse', 'HEAD'], checkout).trim()).toBe(commitSha);
    expect(git(['log', '--format=%B', '-1'], checkout)).toBe('Scaffold svc-git\n\nfrom the golden path\n');
    expect(fs.readFileSync(path.join(checkout, 'README.md'), 'utf8')).toBe(readme);
    expect(fs.readFileSync(path.join(checkout, 'assets/img/logo.bin')).equals(binary)).toBe(true);
    expect(fs.readFileSync(path.join(checkout, 'scripts/run.sh'), 'utf8')).toBe(script);
    expect(fs.statSync(path.join(checkout, 'scripts/run.sh')).mode & 0o111).not.toBe(0);
    expect(fs.statSync(path.join(checkout, 'README.md')).mode & 0o111).toBe(0);
    expect(fs.readlinkSync(path.join(checkout, 'scripts/latest'))).toBe('run.sh');
    expect(git(['ls-tree', '-r', 'HEAD'], checkout)).toContain('100755 blob');
  });

  it('refuses references to objects that do not exist', async () => {
    const ghost = 'f'.repeat(40);
    const badTree = await failure(octokit.rest.git.createCommit({ ...repo, message: 'm', tree: ghost, parents: [] }));
    expect([badTree.status, badTree.response.data.message]).toEqual([422, 'Tree SHA does not exist']);
    const badParent = await failure(
      octokit.rest.git.createCommit({ ...repo, message: 'm', tree: treeSha, parents: [ghost] }),
    );
    expect(badParent.status).toBe(422);
    const badEntry = await failure(
      octokit.rest.git.createTree({ ...repo, tree: [{ path: 'x', mode: '100644', type: 'blob', sha: ghost }] }),
    );
    expect(badEntry.status).toBe(422);
    const badRef = await failure(octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/ghost', sha: ghost }));
    expect([badRef.status, badRef.response.data.message]).toEqual([422, 'Object does not exist']);
    const exists = await failure(octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/scaffold', sha: commitSha }));
    expect([exists.status, exists.response.data.message]).toEqual([422, 'Reference already exists']);
    const badPath = await failure(
      octokit.rest.git.createTree({ ...repo, tree: [{ path: 'a/../b', mode: '100644', type: 'blob', content: 'x' }] }),
    );
    expect(badPath.status).toBe(422);
  });

  it('only fast-forwards a ref unless forced', async () => {
    const main = await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' });
    const notFf = await failure(octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: commitSha }));
    expect([notFf.status, notFf.response.data.message]).toEqual([422, 'Update is not a fast forward']);

    const child = await octokit.rest.git.createCommit({
      ...repo,
      message: 'child',
      tree: treeSha,
      parents: [main.data.object.sha],
    });
    const ff = await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: child.data.sha });
    expect(ff.data.object.sha).toBe(child.data.sha);
    expectDocumentedShape('PATCH', '/repos/{owner}/{repo}/git/refs/{ref}', 200, ff.data);
    const forced = await octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: commitSha, force: true });
    expect(forced.data.object.sha).toBe(commitSha);

    const matching = await octokit.rest.git.listMatchingRefs({ ...repo, ref: 'heads/' });
    expect(matching.data.map(r => r.ref)).toEqual(['refs/heads/main', 'refs/heads/scaffold']);
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/git/matching-refs/{ref}', 200, matching.data);
    const deleteDefault = await failure(octokit.rest.git.deleteRef({ ...repo, ref: 'heads/main' }));
    expect([deleteDefault.status, deleteDefault.response.data.message]).toEqual([
      422,
      'Cannot delete the default branch',
    ]);
    await octokit.rest.git.deleteRef({ ...repo, ref: 'heads/scaffold' });
    expect((await failure(octokit.rest.git.getRef({ ...repo, ref: 'heads/scaffold' }))).status).toBe(404);
    expect((await failure(octokit.rest.git.deleteRef({ ...repo, ref: 'heads/scaffold' }))).status).toBe(422);
    git(['fsck', '--strict'], gh.gitDir('acme', 'svc-git'));
  });

  it('applies base_tree edits: replace, add nested, delete, subtree and submodule entries', async () => {
    const scripts = (await octokit.rest.git.getTree({ ...repo, tree_sha: treeSha })).data.tree.find(
      e => e.path === 'scripts',
    )!;
    const tree = await octokit.rest.git.createTree({
      ...repo,
      base_tree: treeSha,
      tree: [
        { path: 'README.md', mode: '100644', type: 'blob', content: 'changed\n' },
        { path: 'assets/img/logo.bin', mode: '100644', type: 'blob', sha: null },
        { path: 'docs/index.md', mode: '100644', type: 'blob', content: '# docs\n' },
        { path: 'bin', mode: '040000', type: 'tree', sha: scripts.sha },
        { path: 'vendor/lib', mode: '160000', type: 'commit', sha: 'a'.repeat(40) },
      ],
    });
    const listing = await octokit.rest.git.getTree({ ...repo, tree_sha: tree.data.sha, recursive: 'true' });
    expect(listing.data.tree.map(e => `${e.mode} ${e.path}`)).toEqual([
      '100644 README.md',
      '040000 bin',
      '120000 bin/latest',
      '100755 bin/run.sh',
      '040000 docs',
      '100644 docs/index.md',
      '040000 scripts',
      '120000 scripts/latest',
      '100755 scripts/run.sh',
      '040000 vendor',
      '160000 vendor/lib',
    ]);
    const commit = await octokit.rest.git.createCommit({
      ...repo,
      message: 'edits',
      tree: tree.data.sha,
      parents: [commitSha],
    });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/edits', sha: commit.data.sha });
    git(['fsck', '--strict', '--no-dangling'], gh.gitDir('acme', 'svc-git'));
    const missing = await failure(
      octokit.rest.git.createTree({
        ...repo,
        base_tree: treeSha,
        tree: [{ path: 'nope.txt', mode: '100644', type: 'blob', sha: null }],
      }),
    );
    expect(missing.status).toBe(422);
  });

  it('writes a 1,000-file tree (timing printed) and fsck accepts it', async () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      path: `pkg${i % 10}/src/module${i}.ts`,
      mode: '100644' as const,
      type: 'blob' as const,
      content: `export const n${i} = ${i};\n`,
    }));
    const t0 = performance.now();
    const tree = await octokit.rest.git.createTree({ ...repo, tree: entries });
    const ms = performance.now() - t0;

    console.log(`github-standin: 1,000-file create-tree in ${ms.toFixed(0)} ms`);
    const commit = await octokit.rest.git.createCommit({ ...repo, message: 'big', tree: tree.data.sha, parents: [] });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/big', sha: commit.data.sha });
    git(['fsck', '--strict', '--no-dangling'], gh.gitDir('acme', 'svc-git'));
    expect(git(['ls-tree', '-r', '--name-only', 'big'], gh.gitDir('acme', 'svc-git')).trim().split('\n')).toHaveLength(
      1000,
    );
  });
});

describe('workflow files', () => {
  it('need the workflow scope (GitHub answers 404 without it)', async () => {
    await octokit.rest.repos.createInOrg({ org: 'acme', name: 'svc-ci', auto_init: true });
    const args = {
      owner: 'acme',
      repo: 'svc-ci',
      path: '.github/workflows/ci.yml',
      message: 'ci',
      content: Buffer.from('on: push\n').toString('base64'),
    };
    expect((await failure(client(NO_WORKFLOW_TOKEN).rest.repos.createOrUpdateFileContents(args))).status).toBe(404);
    expect((await octokit.rest.repos.createOrUpdateFileContents(args)).status).toBe(201);
  });
});

describe('faults', () => {
  const repo = { owner: 'acme', repo: 'svc-meta' };
  const fast = { retryAfterBaseValue: 1 }; // plugin delays in ms instead of s
  const RetryingOctokit = Octokit.plugin(retry, throttling);

  function resilient(onSecondary = jest.fn(() => true), onPrimary = jest.fn(() => true)) {
    return new RetryingOctokit({
      baseUrl: gh.apiBaseUrl,
      auth: DEFAULT_TOKEN,
      log: silent,
      retry: fast,
      throttle: { ...fast, onSecondaryRateLimit: onSecondary, onRateLimit: onPrimary },
    });
  }

  afterEach(() => gh.clearFaults());

  it('fails 5xx the configured number of times, then recovers', async () => {
    gh.resetRequests();
    gh.inject({ route: '/repos/{owner}/{repo}', method: 'GET', kind: 'status', status: 502, times: 2 });
    expect((await failure(octokit.rest.repos.get(repo))).status).toBe(502);
    const res = await resilient().rest.repos.get(repo); // second failure, then success
    expect(res.status).toBe(200);
    expect(gh.countRequests({ route: '/repos/{owner}/{repo}' })).toBe(3);
    expect(gh.requests.map(r => r.status)).toEqual([502, 502, 200]);
  });

  it('resets the connection without answering', async () => {
    gh.resetRequests();
    gh.inject({ route: /\/git\/ref\//, kind: 'reset-connection', times: 1 });
    const e = await failure(octokit.rest.git.getRef({ ...repo, ref: 'heads/main' }));
    expect(e.status).toBe(500); // octokit's wrapping of a network error
    expect(gh.requests[0].status).toBe(0);
    gh.inject({ route: /\/git\/ref\//, kind: 'reset-connection', times: 1 });
    expect((await resilient().rest.git.getRef({ ...repo, ref: 'heads/main' })).status).toBe(200);
  });

  it('answers a secondary rate limit the throttling plugin recognises', async () => {
    gh.inject({ route: '/repos/{owner}/{repo}/topics', kind: 'secondary-rate-limit', retryAfterSeconds: 7, times: 1 });
    const raw = await request(gh.url)
      .get('/api/v3/repos/acme/svc-meta/topics')
      .set('Authorization', `token ${DEFAULT_TOKEN}`);
    expect(raw.status).toBe(403);
    expect(raw.headers['retry-after']).toBe('7');
    expect(raw.body.message).toMatch(
      /^You have exceeded a secondary rate limit\. Please wait a few minutes before you try again/,
    );

    gh.inject({ route: '/repos/{owner}/{repo}/topics', kind: 'secondary-rate-limit', retryAfterSeconds: 7, times: 2 });
    const onSecondary = jest.fn(() => true);
    gh.resetRequests();
    const res = await resilient(onSecondary).rest.repos.getAllTopics(repo);
    expect(res.status).toBe(200);
    expect(onSecondary).toHaveBeenCalledTimes(2);
    expect((onSecondary.mock.calls[0] as unknown[])[0]).toBe(7);
    expect(gh.countRequests({ method: 'GET', route: '/repos/{owner}/{repo}/topics' })).toBe(3);
  });

  it('answers a primary rate limit the throttling plugin recognises', async () => {
    gh.inject({ route: '/repos/{owner}/{repo}/topics', kind: 'rate-limit', retryAfterSeconds: 0, times: 1 });
    const onPrimary = jest.fn(() => true);
    const res = await resilient(undefined, onPrimary).rest.repos.getAllTopics(repo);
    expect(res.status).toBe(200);
    expect(onPrimary).toHaveBeenCalledTimes(1);

    gh.inject({ route: '/repos/{owner}/{repo}/topics', kind: 'rate-limit', times: 1 });
    const e = await failure(octokit.rest.repos.getAllTopics(repo));
    expect(e.status).toBe(403);
    expect(e.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(e.response.data.message).toMatch(/^API rate limit exceeded for user ID \d+/);
  });

  it('simulates a repository that is not ready yet', async () => {
    gh.inject({ kind: 'not-ready', times: 1 });
    expect((await octokit.rest.users.getAuthenticated()).status).toBe(200); // not a git/contents route
    expect((await failure(octokit.rest.git.getRef({ ...repo, ref: 'heads/main' }))).status).toBe(404);
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).status).toBe(200);
  });

  describe('a held request', () => {
    const gitRepo = { owner: 'acme', repo: 'svc-git' };
    const BLOBS = '/repos/{owner}/{repo}/git/blobs';
    const stored = (content: string) => {
      const sha = execFileSync('git', ['hash-object', '--stdin'], { input: content, encoding: 'utf8' }).trim();
      try {
        git(['cat-file', '-e', sha], gh.gitDir('acme', 'svc-git'));
        return true;
      } catch {
        return false;
      }
    };

    it('stays unanswered until the test lets GitHub do the work', async () => {
      gh.resetRequests();
      const held = gh.hold({ method: 'POST', route: BLOBS });
      const answer = octokit.rest.git.createBlob({ ...gitRepo, content: 'held blob\n' });
      expect(await held.arrived).toMatchObject({ method: 'POST', route: BLOBS, status: 0, login: 'octo-user' });
      await new Promise(resolve => setTimeout(resolve, 300));
      expect(gh.requests.map(r => r.status)).toEqual([0]);
      expect(stored('held blob\n')).toBe(false);
      held.process();
      expect((await answer).status).toBe(201);
      expect(stored('held blob\n')).toBe(true);
      // only the next matching request was held
      expect((await octokit.rest.git.createBlob({ ...gitRepo, content: 'next blob\n' })).status).toBe(201);
    });

    it('closes the connection without doing anything when dropped', async () => {
      const held = gh.hold({ method: 'POST', route: BLOBS });
      const answer = failure(octokit.rest.git.createBlob({ ...gitRepo, content: 'dropped blob\n' }));
      await held.arrived;
      held.drop();
      expect((await answer).status).toBe(500); // octokit's wrapping of a network error
      expect(stored('dropped blob\n')).toBe(false);
    });

    it('does the work even when its client has gone away meanwhile (a killed process)', async () => {
      const held = gh.hold({ method: 'POST', route: /\/repos\/acme\/svc-git\/git\/blobs$/ });
      const client = new AbortController();
      const abandoned = failure(
        octokit.rest.git.createBlob({ ...gitRepo, content: 'orphan blob\n', request: { signal: client.signal } }),
      );
      await held.arrived;
      client.abort();
      await abandoned;
      held.process();
      for (let i = 0; i < 50 && !stored('orphan blob\n'); i++) await new Promise(resolve => setTimeout(resolve, 20));
      expect(stored('orphan blob\n')).toBe(true);
    });

    it('is only made with hold()', () => {
      expect(() => gh.inject({ kind: 'hold' })).toThrow(/hold\(\)/);
    });
  });

  it('builds a different tree than the one sent, answering its SHA, only on tree creation', async () => {
    const repo = { owner: 'acme', repo: 'different-tree' };
    await octokit.rest.repos.createInOrg({ org: 'acme', name: repo.repo, auto_init: true });
    const tree = [{ path: 'a.txt', mode: '100644' as const, type: 'blob' as const, content: 'line\n' }];
    const sent = await octokit.rest.git.createTree({ ...repo, tree });
    gh.inject({ kind: 'different-tree' });
    expect((await octokit.rest.users.getAuthenticated()).status).toBe(200); // not a tree request: untouched
    const altered = await octokit.rest.git.createTree({ ...repo, tree });
    expect(altered.data.sha).not.toBe(sent.data.sha);
    const blob = await octokit.rest.git.getBlob({ ...repo, file_sha: altered.data.tree[0].sha! });
    expect(Buffer.from(blob.data.content, 'base64').toString()).toBe('line\r\n');
    expect((await octokit.rest.git.createTree({ ...repo, tree })).data.sha).toBe(sent.data.sha); // once only
  });

  it('refuses a fault for a route template that does not exist', () => {
    expect(() => gh.inject({ route: '/repos/{owner}/{repo}/gti/trees', kind: 'status' })).toThrow(
      /not a documented route/,
    );
  });
});

describe('request counting', () => {
  it('records which repository a creation request asked for, and whose credentials sent it', async () => {
    gh.resetRequests();
    await octokit.rest.repos.createInOrg({ org: 'acme', name: 'svc-recorded' });
    await failure(octokit.rest.repos.createInOrg({ org: 'acme', name: 'svc-recorded' }));
    await octokit.rest.repos.createForAuthenticatedUser({ name: 'own-recorded' });
    await client(READONLY_TOKEN).rest.repos.get({ owner: 'acme', repo: 'svc-recorded' });
    expect(gh.requests.map(r => [r.createsRepo, r.status, r.login])).toEqual([
      ['acme/svc-recorded', 201, 'octo-user'],
      ['acme/svc-recorded', 422, 'octo-user'],
      ['octo-user/own-recorded', 201, 'octo-user'],
      [undefined, 200, 'reader'],
    ]);
  });

  it('counts by method and route template or regex', async () => {
    gh.resetRequests();
    expect(gh.requests).toHaveLength(0);
    await octokit.rest.repos.get({ owner: 'acme', repo: 'svc-meta' });
    await octokit.rest.repos.get({ owner: 'acme', repo: 'svc-git' });
    await octokit.rest.git.getRef({ owner: 'acme', repo: 'svc-git', ref: 'heads/main' });
    expect(gh.countRequests()).toBe(3);
    expect(gh.countRequests({ route: '/repos/{owner}/{repo}' })).toBe(2);
    expect(gh.countRequests({ method: 'get', route: /\/git\// })).toBe(1);
    expect(gh.countRequests({ method: 'POST' })).toBe(0);
    expect(gh.requests[2]).toEqual({
      method: 'GET',
      path: '/api/v3/repos/acme/svc-git/git/ref/heads%2Fmain',
      route: '/repos/{owner}/{repo}/git/ref/{ref}',
      status: 200,
      authorization: true,
      bytes: expect.any(Number),
      login: 'octo-user',
    });
    // what the client sent: request line and headers (a GET has no body)
    expect(gh.requests[2].bytes).toBeGreaterThan('GET /api/v3/repos/acme/svc-git/git/ref/heads%2Fmain HTTP/1.1'.length);
  });
});

describe('Backstage GithubUrlReader', () => {
  it('reads catalog-info.yaml through the Contents API (raw media type)', async () => {
    const config = new ConfigReader({
      integrations: { github: [{ host: gh.host, apiBaseUrl: gh.apiBaseUrl, token: DEFAULT_TOKEN }] },
    });
    const [{ reader, predicate }] = GithubUrlReader.factory({
      config,
      logger: silent as any,
      treeResponseFactory: {} as any,
    });
    const url = `${gh.url}/acme/svc-empty/blob/main/catalog-info.yaml`;
    expect(predicate(new URL(url))).toBe(true);
    gh.resetRequests();
    const res = await reader.readUrl(url);
    expect((await res.buffer()).toString()).toBe('apiVersion: backstage.io/v1alpha1\nkind: Component\n');
    // the reader fetches `${apiBaseUrl}/repos/{owner}/{repo}/contents/{path}?ref={ref}`
    expect(gh.requests[0]).toMatchObject({
      path: '/api/v3/repos/acme/svc-empty/contents/catalog-info.yaml',
      route: '/repos/{owner}/{repo}/contents/{path}',
      status: 200,
    });
    expect(res.etag).toBeTruthy();
    await expect(reader.readUrl(url, { etag: res.etag })).rejects.toMatchObject({ name: 'NotModifiedError' });
    await expect(reader.readUrl(`${gh.url}/acme/svc-empty/blob/main/missing.yaml`)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });
});

describe('GitHub App authentication (stretch)', () => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const appId = 4242;
  let appGh: GithubStandin;

  beforeAll(async () => {
    appGh = await startGithubStandin({
      orgs: ['acme', 'other-org'],
      apps: [
        {
          appId,
          privateKey,
          installations: [
            { account: 'acme', id: 777, permissions: { administration: 'write', contents: 'write', metadata: 'read' } },
          ],
        },
      ],
    });
  });
  afterAll(() => appGh.close());

  it("mints installation tokens from a JWT and acts with the installation's permissions", async () => {
    const asApp = new Octokit({
      baseUrl: appGh.apiBaseUrl,
      authStrategy: createAppAuth,
      auth: { appId, privateKey },
      log: silent,
    });
    const installations = await asApp.rest.apps.listInstallations();
    // (the list's documented item schema ANDs user and enterprise fields for `account` — a
    // description quirk — so the shape is checked on the single-installation endpoint)
    expectDocumentedShape(
      'GET',
      '/app/installations/{installation_id}',
      200,
      (await asApp.rest.apps.getInstallation({ installation_id: 777 })).data,
    );
    expect(
      installations.data.map(i => [i.id, i.account && 'login' in i.account ? i.account.login : undefined]),
    ).toEqual([[777, 'acme']]);
    expect((await asApp.rest.apps.getOrgInstallation({ org: 'acme' })).data.id).toBe(777);
    const minted = await asApp.rest.apps.createInstallationAccessToken({ installation_id: 777 });
    expectDocumentedShape('POST', '/app/installations/{installation_id}/access_tokens', 201, minted.data);
    expect(minted.data.token).toMatch(/^ghs_/);

    const asInstallation = new Octokit({
      baseUrl: appGh.apiBaseUrl,
      authStrategy: createAppAuth,
      auth: { appId, privateKey, installationId: 777 },
      log: silent,
    });
    const created = await asInstallation.rest.repos.createInOrg({ org: 'acme', name: 'from-app' });
    expect(created.status).toBe(201);
    expect((await failure(asInstallation.rest.repos.createInOrg({ org: 'other-org', name: 'elsewhere' }))).status).toBe(
      403,
    );
    const put = await asInstallation.rest.repos.createOrUpdateFileContents({
      owner: 'acme',
      repo: 'from-app',
      path: 'README.md',
      message: 'init',
      content: Buffer.from('hi\n').toString('base64'),
    });
    expect(put.data.commit.author?.name).toBe('standin-app-4242[bot]');
    // no workflows permission: workflow files are refused like GitHub does (404)
    const wf = {
      owner: 'acme',
      repo: 'from-app',
      path: '.github/workflows/ci.yml',
      message: 'ci',
      content: Buffer.from('on: push\n').toString('base64'),
    };
    expect((await failure(asInstallation.rest.repos.createOrUpdateFileContents(wf))).status).toBe(404);
  });

  it('keeps JWTs and tokens to their own endpoints', async () => {
    const pat = new Octokit({ baseUrl: appGh.apiBaseUrl, auth: DEFAULT_TOKEN, log: silent });
    const e = await failure(pat.rest.apps.listInstallations());
    expect([e.status, e.response.data.message]).toEqual([401, 'A JSON web token could not be decoded']);
    const { token: jwt } = await createAppAuth({ appId, privateKey })({ type: 'app' });
    const withJwt = await request(appGh.url).get('/api/v3/repos/acme/from-app').set('Authorization', `Bearer ${jwt}`);
    expect([withJwt.status, withJwt.body.message]).toEqual([403, 'Resource not accessible by integration']);
    const { privateKey: otherKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const forged = new Octokit({
      baseUrl: appGh.apiBaseUrl,
      authStrategy: createAppAuth,
      auth: { appId, privateKey: otherKey },
      log: silent,
    });
    expect((await failure(forged.rest.apps.listInstallations())).status).toBe(401);
  });

  it("serves Backstage's GitHub App credentials provider", async () => {
    const integrations = ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            {
              host: appGh.host,
              apiBaseUrl: appGh.apiBaseUrl,
              apps: [{ appId, privateKey, clientId: 'x', clientSecret: 'x', webhookSecret: 'x' }],
            },
          ],
        },
      }),
    );
    const provider = DefaultGithubCredentialsProvider.fromIntegrations(integrations);
    const { token, type } = await provider.getCredentials({ url: `${appGh.url}/acme/from-app` });
    expect(type).toBe('app');
    const octo = new Octokit({ baseUrl: appGh.apiBaseUrl, auth: token, log: silent });
    expect((await octo.rest.repos.get({ owner: 'acme', repo: 'from-app' })).data.permissions).toMatchObject({
      admin: true,
      push: true,
    });
    expect(appGh.countRequests({ route: '/app/installations/{installation_id}/access_tokens' })).toBeGreaterThanOrEqual(
      1,
    );
  });
});
