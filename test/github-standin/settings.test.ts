/**
 * The stand-in's repository settings routes (what publish:github and our actions set up on a new
 * repository) and the protocol-level additions (git smart HTTP, faults after a stored write,
 * latency, GitHub's clock). Driven with the real @octokit/rest client and the git binary; answers
 * checked against the documented response schemas.
 */
import { execFile, execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Octokit } from '@octokit/rest';
import sodium from 'libsodium-wrappers';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin, validateResponse } from './index';
import { failure } from './testing';

const READONLY_TOKEN = 'ghp_settings_readonly';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let gh: GithubStandin;
let octokit: Octokit;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-settings-'));

function expectDocumentedShape(method: string, route: string, status: number, body: unknown) {
  expect(validateResponse(method, route, status, body)).toEqual([]);
}

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** git over HTTP against the stand-in, which runs in this process: never a synchronous child. */
function gitRemote(args: string[], cwd?: string): Promise<{ code: number; stderr: string }> {
  return new Promise(resolve => {
    execFile(
      'git',
      args,
      { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (error, _stdout, stderr) => resolve({ code: error ? ((error as any).code ?? 1) : 0, stderr }),
    );
  });
}

/** A repository with one commit on main, made through the API. */
async function repoWithCommit(owner: string, name: string, visibility: 'private' | 'public' = 'private') {
  if (owner === 'octo-user') {
    await octokit.rest.repos.createForAuthenticatedUser({ name, private: visibility === 'private', auto_init: true });
  } else {
    await octokit.rest.repos.createInOrg({ org: owner, name, visibility, auto_init: true });
  }
  return { owner, repo: name };
}

const PROTECTION = {
  required_status_checks: { strict: true, contexts: ['build'] },
  enforce_admins: true,
  required_pull_request_reviews: {
    required_approving_review_count: 1,
    require_code_owner_reviews: true,
    dismiss_stale_reviews: false,
    require_last_push_approval: false,
    bypass_pull_request_allowances: { users: ['octo-user'], teams: ['platform-team'], apps: [] },
  },
  restrictions: null,
  required_linear_history: true,
  required_conversation_resolution: true,
  block_creations: false,
};

beforeAll(async () => {
  gh = await startGithubStandin({
    tokens: {
      [DEFAULT_TOKEN]: { login: 'octo-user', scopes: ['repo', 'workflow'], permission: 'admin' },
      [READONLY_TOKEN]: { login: 'reader', scopes: ['repo'], permission: 'read' },
    },
    orgs: ['acme', 'freeorg', 'other-org'],
    users: ['outsider'],
    teams: ['acme/platform-team', 'other-org/strangers'],
    plans: { freeorg: 'free' },
    customProperties: {
      acme: [
        { name: 'cost-center', valueType: 'string', required: true, defaultValue: 'shared' },
        { name: 'tier', valueType: 'single_select', allowedValues: ['gold', 'silver'] },
      ],
    },
  });
  octokit = new Octokit({ baseUrl: gh.apiBaseUrl, auth: DEFAULT_TOKEN, log: silent });
});

afterAll(async () => {
  await gh?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('branch protection', () => {
  it('protects an existing branch and answers in the documented shapes', async () => {
    const repo = await repoWithCommit('acme', 'protect-me');
    const put = await octokit.rest.repos.updateBranchProtection({ ...repo, branch: 'main', ...PROTECTION });
    expectDocumentedShape('PUT', '/repos/{owner}/{repo}/branches/{branch}/protection', 200, put.data);
    expect(put.data.required_pull_request_reviews?.bypass_pull_request_allowances?.teams?.[0].slug).toBe(
      'platform-team',
    );
    const signatures = await octokit.rest.repos.createCommitSignatureProtection({ ...repo, branch: 'main' });
    expectDocumentedShape(
      'POST',
      '/repos/{owner}/{repo}/branches/{branch}/protection/required_signatures',
      200,
      signatures.data,
    );
    const get = await octokit.rest.repos.getBranchProtection({ ...repo, branch: 'main' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/branches/{branch}/protection', 200, get.data);
    expect(gh.inspect('acme', 'protect-me')!.protection.main).toMatchObject({
      enforce_admins: true,
      required_linear_history: true,
      requiredSignatures: true,
      required_status_checks: { strict: true, contexts: ['build'] },
    });
  });

  it('then refuses forced updates, deletion and Contents API writes of the branch', async () => {
    const repo = { owner: 'acme', repo: 'protect-me' };
    const head = (await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha;
    const tree = (await octokit.rest.git.getCommit({ ...repo, commit_sha: head })).data.tree.sha;
    const lone = await octokit.rest.git.createCommit({ ...repo, message: 'x', tree, parents: [] });
    const forced = await failure(
      octokit.rest.git.updateRef({ ...repo, ref: 'heads/main', sha: lone.data.sha, force: true }),
    );
    expect([forced.status, forced.response.data.message]).toEqual([
      422,
      'Protected branch update failed for refs/heads/main.',
    ]);
    const contents = await failure(
      octokit.rest.repos.createOrUpdateFileContents({ ...repo, path: 'x.txt', message: 'x', content: '' }),
    );
    expect([contents.status, contents.response.data.message]).toEqual([
      409,
      'Changes must be made through a pull request.',
    ]);
    expect((await octokit.rest.git.getRef({ ...repo, ref: 'heads/main' })).data.object.sha).toBe(head);
  });

  it('answers 403 "Upgrade to GitHub Pro" for a private repository on the free plan, not for a public one', async () => {
    const priv = await repoWithCommit('freeorg', 'private-free');
    const refused = await failure(
      octokit.rest.repos.updateBranchProtection({
        ...priv,
        branch: 'main',
        ...PROTECTION,
        required_pull_request_reviews: null,
      }),
    );
    expect(refused.status).toBe(403);
    expect(refused.response.data.message).toBe(
      'Upgrade to GitHub Pro or make this repository public to enable this feature.',
    );
    const pub = await repoWithCommit('freeorg', 'public-free', 'public');
    await octokit.rest.repos.updateBranchProtection({
      ...pub,
      branch: 'main',
      ...PROTECTION,
      required_pull_request_reviews: null,
    });
  });

  it.each([
    ['a branch that does not exist', { branch: 'nope' }, 404, /Branch not found/],
    [
      'more than 6 approving reviews',
      { required_pull_request_reviews: { required_approving_review_count: 7 } },
      422,
      /between 0 and 6/,
    ],
    [
      'an unknown team in the bypass list',
      { required_pull_request_reviews: { bypass_pull_request_allowances: { teams: ['ghosts'] } } },
      422,
      /Validation Failed/,
    ],
    ['a key the description does not declare', { enforce_admin: true }, 422, /"enforce_admin" is not a permitted key/],
  ])('refuses %s', async (_name, change, status, message) => {
    const repo = { owner: 'acme', repo: 'protect-me' };
    const error = await failure(
      octokit.request('PUT /repos/{owner}/{repo}/branches/{branch}/protection', {
        ...repo,
        branch: 'main',
        ...PROTECTION,
        ...change,
      } as any),
    );
    expect(error.status).toBe(status);
    expect(`${error.response.data.message} ${JSON.stringify(error.response.data.errors ?? [])}`).toMatch(message);
  });

  it('refuses user and team restrictions on a personal repository', async () => {
    const repo = await repoWithCommit('octo-user', 'personal-protect');
    const error = await failure(
      octokit.rest.repos.updateBranchProtection({
        ...repo,
        branch: 'main',
        ...PROTECTION,
        required_pull_request_reviews: null,
        restrictions: { users: ['octo-user'], teams: [] },
      }),
    );
    expect([error.status, error.response.data.message]).toEqual([
      422,
      'Only organization repositories can have users and team restrictions',
    ]);
  });
});

describe('teams and collaborators', () => {
  it('grants a team access, and answers 404 for a team that does not exist', async () => {
    const repo = await repoWithCommit('acme', 'team-access');
    const team = await octokit.rest.teams.getByName({ org: 'acme', team_slug: 'platform-team' });
    expectDocumentedShape('GET', '/orgs/{org}/teams/{team_slug}', 200, team.data);
    const put = await octokit.rest.teams.addOrUpdateRepoPermissionsInOrg({
      org: 'acme',
      team_slug: 'platform-team',
      ...repo,
      permission: 'maintain',
    });
    expect(put.status).toBe(204);
    const list = await octokit.rest.repos.listTeams(repo);
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/teams', 200, list.data);
    expect(list.data.map(t => [t.slug, t.permission])).toEqual([['platform-team', 'maintain']]);

    const unknown = await failure(
      octokit.rest.teams.addOrUpdateRepoPermissionsInOrg({
        org: 'acme',
        team_slug: 'ghosts',
        ...repo,
        permission: 'admin',
      }),
    );
    expect(unknown.status).toBe(404);
    expect((await failure(octokit.rest.teams.getByName({ org: 'acme', team_slug: 'ghosts' }))).status).toBe(404);
    const otherOrg = await failure(
      octokit.rest.teams.addOrUpdateRepoPermissionsInOrg({ org: 'other-org', team_slug: 'strangers', ...repo }),
    );
    expect(otherOrg.status).toBe(422);
    const badPermission = await failure(
      octokit.rest.teams.addOrUpdateRepoPermissionsInOrg({
        org: 'acme',
        team_slug: 'platform-team',
        ...repo,
        permission: 'owner',
      }),
    );
    expect(badPermission.status).toBe(422);
    expect(gh.inspect('acme', 'team-access')!.teams).toEqual({ 'platform-team': 'maintain' });
  });

  it('adds organisation members at once and invites everyone else', async () => {
    const repo = await repoWithCommit('acme', 'collaborators');
    const member = await octokit.rest.repos.addCollaborator({ ...repo, username: 'octo-user', permission: 'admin' });
    expect(member.status).toBe(204);
    const invited = await octokit.rest.repos.addCollaborator({ ...repo, username: 'outsider', permission: 'push' });
    expect(invited.status).toBe(201);
    expectDocumentedShape('PUT', '/repos/{owner}/{repo}/collaborators/{username}', 201, invited.data);
    expect((await failure(octokit.rest.repos.addCollaborator({ ...repo, username: 'nobody-here' }))).status).toBe(404);
    const personal = await repoWithCommit('octo-user', 'personal-collab');
    const self = await failure(octokit.rest.repos.addCollaborator({ ...personal, username: 'octo-user' }));
    expect([self.status, self.response.data.message]).toEqual([422, 'Repository owner cannot be a collaborator']);
    expect(gh.inspect('acme', 'collaborators')).toMatchObject({
      collaborators: { 'octo-user': 'admin' },
      invitations: { outsider: 'push' },
    });
  });
});

describe('GitHub Actions settings', () => {
  it('creates variables once (409 after), updates them, and checks their names', async () => {
    const repo = await repoWithCommit('acme', 'actions-vars');
    const created = await octokit.rest.actions.createRepoVariable({ ...repo, name: 'aws_region', value: 'eu-west-1' });
    expect(created.status).toBe(201);
    const again = await failure(octokit.rest.actions.createRepoVariable({ ...repo, name: 'AWS_REGION', value: 'x' }));
    expect([again.status, again.response.data.message]).toEqual([409, 'Already exists - Variable already exists']);
    await octokit.rest.actions.updateRepoVariable({ ...repo, name: 'AWS_REGION', value: 'us-east-1' });
    const read = await octokit.rest.actions.getRepoVariable({ ...repo, name: 'aws_region' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/actions/variables/{name}', 200, read.data);
    expect(read.data).toMatchObject({ name: 'AWS_REGION', value: 'us-east-1' });
    for (const name of ['1ABC', 'GITHUB_TOKEN', 'has-dash']) {
      expect((await failure(octokit.rest.actions.createRepoVariable({ ...repo, name, value: 'x' }))).status).toBe(422);
    }
    expect(
      (await failure(octokit.rest.actions.updateRepoVariable({ ...repo, name: 'MISSING', value: 'x' }))).status,
    ).toBe(404);
  });

  it('stores secrets sealed with the repository key, and refuses anything else', async () => {
    const repo = await repoWithCommit('acme', 'actions-secrets');
    const key = await octokit.rest.actions.getRepoPublicKey(repo);
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/actions/secrets/public-key', 200, key.data);
    await sodium.ready;
    const seal = (value: string) =>
      sodium.to_base64(
        sodium.crypto_box_seal(
          sodium.from_string(value),
          sodium.from_base64(key.data.key, sodium.base64_variants.ORIGINAL),
        ),
        sodium.base64_variants.ORIGINAL,
      );
    const first = await octokit.rest.actions.createOrUpdateRepoSecret({
      ...repo,
      secret_name: 'DB_PASSWORD',
      encrypted_value: seal('s3cr3t'),
      key_id: key.data.key_id,
    });
    expect(first.status).toBe(201);
    const second = await octokit.rest.actions.createOrUpdateRepoSecret({
      ...repo,
      secret_name: 'DB_PASSWORD',
      encrypted_value: seal('rotated'),
      key_id: key.data.key_id,
    });
    expect(second.status).toBe(204);
    expect(gh.inspect('acme', 'actions-secrets')!.secrets).toEqual({ DB_PASSWORD: 'rotated' });
    const wrongKey = await failure(
      octokit.rest.actions.createOrUpdateRepoSecret({
        ...repo,
        secret_name: 'X',
        encrypted_value: seal('v'),
        key_id: '1',
      }),
    );
    expect(wrongKey.status).toBe(422);
    const notSealed = await failure(
      octokit.rest.actions.createOrUpdateRepoSecret({
        ...repo,
        secret_name: 'X',
        encrypted_value: Buffer.from('plain text, not a sealed box, long enough to look like one').toString('base64'),
        key_id: key.data.key_id,
      }),
    );
    expect(notSealed.status).toBe(422);
  });

  it('sets the OIDC subject template and workflow access, with their refusals', async () => {
    const repo = await repoWithCommit('acme', 'actions-oidc');
    const put = await octokit.request('PUT /repos/{owner}/{repo}/actions/oidc/customization/sub', {
      ...repo,
      use_default: false,
      include_claim_keys: ['repo', 'context'],
    });
    expect(put.status).toBe(201);
    const get = await octokit.request('GET /repos/{owner}/{repo}/actions/oidc/customization/sub', repo);
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/actions/oidc/customization/sub', 200, get.data);
    expect(get.data).toEqual({ use_default: false, include_claim_keys: ['repo', 'context'] });
    const noKeys = await failure(
      octokit.request('PUT /repos/{owner}/{repo}/actions/oidc/customization/sub', { ...repo, use_default: false }),
    );
    expect(noKeys.status).toBe(422);

    await octokit.rest.actions.setWorkflowAccessToRepository({ ...repo, access_level: 'organization' });
    expect(gh.inspect('acme', 'actions-oidc')!.workflowAccess).toBe('organization');
    const pub = await repoWithCommit('acme', 'actions-public', 'public');
    expect(
      (await failure(octokit.rest.actions.setWorkflowAccessToRepository({ ...pub, access_level: 'user' }))).status,
    ).toBe(422);
  });

  it('answers the remaining reads and writes in their documented shapes', async () => {
    const repo = { owner: 'acme', repo: 'actions-secrets' };
    const created = await octokit.rest.actions.createRepoVariable({ ...repo, name: 'SHAPE', value: 'x' });
    expectDocumentedShape('POST', '/repos/{owner}/{repo}/actions/variables', 201, created.data);
    const secret = await octokit.rest.actions.getRepoSecret({ ...repo, secret_name: 'db_password' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/actions/secrets/{secret_name}', 200, secret.data);
    const access = await octokit.rest.actions.getWorkflowAccessToRepository({ owner: 'acme', repo: 'actions-oidc' });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/actions/permissions/access', 200, access.data);
    expect(access.data.access_level).toBe('organization');
    const team = await octokit.request('GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}', {
      org: 'acme',
      team_slug: 'platform-team',
      owner: 'acme',
      repo: 'team-access',
    });
    expect(team.status).toBe(204);
    const removed = await octokit.rest.repos.deleteBranchProtection({
      owner: 'acme',
      repo: 'protect-me',
      branch: 'main',
    });
    expect(removed.status).toBe(204);
    expect(gh.inspect('acme', 'protect-me')!.protection).toEqual({});
  });

  it('needs write access for variables and admin rights for OIDC', async () => {
    const reader = new Octokit({ baseUrl: gh.apiBaseUrl, auth: READONLY_TOKEN, log: silent });
    const repo = { owner: 'acme', repo: 'actions-vars' };
    expect((await failure(reader.rest.actions.createRepoVariable({ ...repo, name: 'X', value: 'y' }))).status).toBe(
      403,
    );
    expect(
      (
        await failure(
          reader.request('PUT /repos/{owner}/{repo}/actions/oidc/customization/sub', { ...repo, use_default: true }),
        )
      ).status,
    ).toBe(403);
  });
});

describe('custom properties and subscription', () => {
  it('takes custom properties on creation (defaults filled) and through properties/values', async () => {
    const created = await octokit.rest.repos.createInOrg({
      org: 'acme',
      name: 'with-props',
      visibility: 'private',
      custom_properties: { tier: 'gold' },
    } as any);
    expect((created.data as any).custom_properties).toEqual({ tier: 'gold', 'cost-center': 'shared' });
    await octokit.request('PATCH /repos/{owner}/{repo}/properties/values', {
      owner: 'acme',
      repo: 'with-props',
      properties: [{ property_name: 'tier', value: 'silver' }],
    });
    const values = await octokit.request('GET /repos/{owner}/{repo}/properties/values', {
      owner: 'acme',
      repo: 'with-props',
    });
    expectDocumentedShape('GET', '/repos/{owner}/{repo}/properties/values', 200, values.data);
    expect(gh.inspect('acme', 'with-props')!.customProperties).toEqual({ tier: 'silver', 'cost-center': 'shared' });
  });

  it.each([
    ['an undefined property', { team: 'x' }],
    ['a value that is not allowed', { tier: 'bronze' }],
    ['a list for a single value', { tier: ['gold'] }],
  ])('refuses %s, and creates nothing', async (_name, customProperties) => {
    const error = await failure(
      octokit.rest.repos.createInOrg({ org: 'acme', name: 'bad-props', custom_properties: customProperties } as any),
    );
    expect(error.status).toBe(422);
    expect(gh.repoExists('acme', 'bad-props')).toBe(false);
  });

  it('subscribes the caller', async () => {
    const repo = await repoWithCommit('acme', 'watched');
    const put = await octokit.rest.activity.setRepoSubscription({ ...repo, subscribed: true });
    expectDocumentedShape('PUT', '/repos/{owner}/{repo}/subscription', 200, put.data);
    expect(gh.inspect('acme', 'watched')!.subscribed).toBe(true);
  });
});

describe('faults, latency and clock', () => {
  it("'drop-response' stores the write, then drops the connection before the answer", async () => {
    gh.inject({ kind: 'drop-response', method: 'POST', route: '/orgs/{org}/repos' });
    const error = await failure(octokit.rest.repos.createInOrg({ org: 'acme', name: 'dropped' }));
    expect(error.status).toBe(500); // octokit's status for a connection error
    expect(gh.repoExists('acme', 'dropped')).toBe(true);
    const again = await failure(octokit.rest.repos.createInOrg({ org: 'acme', name: 'dropped' }));
    expect(again.status).toBe(422);
    expect(again.response.data.errors[0]).toMatchObject({
      field: 'name',
      message: 'name already exists on this account',
    });
  });

  it('adds the injected latency to every answer and runs on its own clock', async () => {
    const slow = await startGithubStandin({ latencyMs: 150, clockSkewMs: -10 * 60_000 });
    try {
      const client = new Octokit({ baseUrl: slow.apiBaseUrl, auth: DEFAULT_TOKEN, log: silent });
      const t0 = performance.now();
      const created = await client.rest.repos.createInOrg({ org: 'acme', name: 'late' });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
      const date = Date.parse(created.headers.date!);
      expect(Date.now() - date).toBeGreaterThan(9 * 60_000);
      expect(Math.abs(Date.parse(created.data.created_at) - date)).toBeLessThan(2000);
    } finally {
      await slow.close();
    }
  });

  it('backdates a repository someone else made', async () => {
    const at = new Date(gh.now().getTime() - 60_000);
    await gh.createRepoDirectly('acme', 'older', { createdAt: at });
    const { data } = await octokit.rest.repos.get({ owner: 'acme', repo: 'older' });
    expect(data.created_at).toBe(at.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });
});

describe('git smart HTTP', () => {
  const remote = (owner: string, repo: string, token = DEFAULT_TOKEN) =>
    `http://x-access-token:${token}@${gh.host}/${owner}/${repo}.git`;

  it('takes a push into an empty repository (its branch becomes the default) and serves clones', async () => {
    await octokit.rest.repos.createInOrg({ org: 'acme', name: 'smart-http', visibility: 'private' });
    const work = fs.mkdtempSync(path.join(scratch, 'work-'));
    git(['init', '-q', '-b', 'trunk'], work);
    fs.writeFileSync(path.join(work, 'README.md'), '# hello\n');
    git(['add', '-A'], work);
    git(['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first'], work);
    gh.resetRequests();
    expect(await gitRemote(['push', '-q', remote('acme', 'smart-http'), 'trunk'], work)).toEqual({
      code: 0,
      stderr: '',
    });
    // git asks without credentials first, as for any server, and sends them after the 401 challenge
    expect(gh.requests.filter(r => r.kind === 'git').map(r => `${r.method} ${r.status}`)).toEqual([
      'GET 401',
      'GET 200',
      'POST 200',
    ]);
    const { data } = await octokit.rest.repos.get({ owner: 'acme', repo: 'smart-http' });
    expect(data.default_branch).toBe('trunk');
    git(['fsck', '--strict'], gh.gitDir('acme', 'smart-http'));

    const clone = path.join(scratch, 'clone');
    expect((await gitRemote(['clone', '-q', remote('acme', 'smart-http'), clone])).code).toBe(0);
    expect(fs.readFileSync(path.join(clone, 'README.md'), 'utf8')).toBe('# hello\n');
  });

  it('asks for credentials (401 with a challenge), hides what the caller may not see, refuses pushes without write access', async () => {
    const anonymous = await fetch(`${gh.url}/acme/smart-http.git/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    const missing = await gitRemote(['ls-remote', remote('acme', 'nothing-here')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found/i);
    const work = fs.mkdtempSync(path.join(scratch, 'work-'));
    expect((await gitRemote(['clone', '-q', remote('acme', 'smart-http'), work])).code).toBe(0);
    fs.writeFileSync(path.join(work, 'more.txt'), 'x\n');
    git(['add', '-A'], work);
    git(['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'more'], work);
    const denied = await gitRemote(['push', remote('acme', 'smart-http', READONLY_TOKEN), 'HEAD:trunk'], work);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/403|denied/);
  });
});
