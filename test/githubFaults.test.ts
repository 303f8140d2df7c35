/**
 * The faults of issue 14, each a stand-in scenario: a write GitHub stored whose answer was lost
 * (and whose repetition GitHub then refuses), an empty workspace, another user's account,
 * someone else's repository that looks fresh, and GitHub's error details.
 */
import { JsonValue } from '@backstage/types';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Fault, GithubStandin, startGithubStandin } from './github-standin';
import { actionContext } from './support/actionContext';
import { createAndPush, endState, git, githubActions, routesSeen, textWorkspace } from './support/githubHarness';

let github: GithubStandin;
let workspace: string;
let counter = 0;
const nextRepo = () => `fault-${++counter}`;

beforeAll(async () => {
  github = await startGithubStandin({
    orgs: ['acme'],
    users: ['someone-else'],
    teams: ['acme/platform-team'],
    customProperties: { acme: [{ name: 'tier', valueType: 'single_select', allowedValues: ['gold', 'silver'] }] },
  });
  workspace = textWorkspace(5);
});
afterAll(() => github?.close());
beforeEach(() => {
  github.clearFaults();
  github.resetRequests();
});

const SETUP = {
  description: 'Session cache',
  topics: ['stateful'],
  access: 'acme/platform-team',
  repoVariables: { AWS_REGION: 'eu-west-1' },
  secrets: { TOKEN: 'v4lue' },
  oidcCustomization: { useDefault: false, includeClaimKeys: ['repo'] },
  workflowAccess: 'organization',
};

describe('a write GitHub stored, whose answer was lost', () => {
  it.each([
    ['POST', '/orgs/{org}/repos'],
    ['PUT', '/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}'],
    ['PUT', '/repos/{owner}/{repo}/topics'],
    ['POST', '/repos/{owner}/{repo}/actions/variables'],
    ['PUT', '/repos/{owner}/{repo}/actions/secrets/{secret_name}'],
    ['PUT', '/repos/{owner}/{repo}/actions/oidc/customization/sub'],
    ['PUT', '/repos/{owner}/{repo}/actions/permissions/access'],
    ['POST', '/repos/{owner}/{repo}/git/trees'],
    ['POST', '/repos/{owner}/{repo}/git/commits'],
    ['PATCH', '/repos/{owner}/{repo}/git/refs/{ref}'],
    ['PUT', '/repos/{owner}/{repo}/branches/{branch}/protection'],
  ])('%s %s is repeated safely: one repository, one commit, everything set', async (method, route) => {
    const repo = nextRepo();
    github.inject({ kind: 'drop-response', method, route });
    await createAndPush(github, { repo, workspace, create: SETUP });
    // the stand-in did the work, then dropped the connection; octokit sent the request again
    expect(github.countRequests({ method, route })).toBeGreaterThanOrEqual(2);
    expect(github.listRepos().filter(r => r.repo === repo)).toHaveLength(1);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['main'], commits: 1 });
    expect(github.inspect('acme', repo)).toMatchObject({
      teams: { 'platform-team': 'admin' },
      topics: ['stateful'],
      variables: { AWS_REGION: 'eu-west-1' },
      secrets: { TOKEN: 'v4lue' },
      workflowAccess: 'organization',
      protection: { main: { enforce_admins: true } },
    });
  });

  it("the first file of an EMPTY repository (Contents API): the repeated PUT's 422 is recognised as our own write", async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo); // empty, made elsewhere: the push alone bootstraps it
    github.inject({ kind: 'drop-response', method: 'PUT', route: '/repos/{owner}/{repo}/contents/{path}' });
    const { push } = githubActions(github);
    const { ctx } = actionContext({
      input: { repoUrl: `${github.host}?owner=acme&repo=${repo}` },
      workspacePath: workspace,
    });
    await push.handler(ctx);
    const seen = github.requests.filter(r => r.route === '/repos/{owner}/{repo}/contents/{path}').map(r => r.status);
    expect(seen).toEqual([0, 422]); // dropped after storing, then GitHub's "sha" wasn't supplied
    const state = endState(github, 'acme', repo);
    expect(state).toMatchObject({ branches: ['main'], commits: 1 });
    expect(state.files).not.toContain('.golden-path-bootstrap');
  });
});

describe('an empty workspace', () => {
  it('is refused with a clear error before any request; nothing is committed', async () => {
    const repo = nextRepo();
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-'));
    const { create, push } = githubActions(github);
    const repoUrl = `${github.host}?owner=acme&repo=${repo}`;
    await create.handler(actionContext({ input: { repoUrl }, workspacePath: empty }).ctx);
    github.resetRequests();
    const error = await push.handler(actionContext({ input: { repoUrl }, workspacePath: empty }).ctx).catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(
      new RegExp(
        `^The workspace holds no files; refusing to push a commit with an empty tree to acme/${repo}\\. Nothing was pushed\\. Did the fetch step render anything\\? .*Configure scaffolder\\.taskRecovery\\.workspaceProvider`,
      ),
    );
    fs.mkdirSync(path.join(empty, 'app'));
    const sub = await push
      .handler(actionContext({ input: { repoUrl, sourcePath: 'app' }, workspacePath: empty }).ctx)
      .catch(e => e);
    expect(sub.message).toMatch(/^sourcePath: app holds no files/);
    expect(github.requests).toEqual([]);
    expect(endState(github, 'acme', repo).files).toEqual(['README.md']); // only what GitHub made on creation
  });
});

describe("another user's account", () => {
  it('is an InputError on repoUrl, without retries and without creating anything', async () => {
    const repo = nextRepo();
    const error = await createAndPush(github, { repo, owner: 'someone-else', workspace }).catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toBe(
      "repoUrl: someone-else is a user account other than the credential's (octo-user); repositories can only be created in an organisation or in the credential's own account",
    );
    expect(error.message).not.toMatch(/retries/);
    expect(routesSeen(github)).toEqual(['POST /orgs/{org}/repos', 'GET /user', 'GET /users/{username}']);
    expect(github.repoExists('someone-else', repo)).toBe(false);
  });

  it('an owner that does not exist at all is an InputError on repoUrl too', async () => {
    const error = await createAndPush(github, { repo: nextRepo(), owner: 'no-such-owner', workspace }).catch(e => e);
    expect(error.message).toBe('repoUrl: owner "no-such-owner" is neither an organisation nor a user on GitHub');
  });
});

describe("someone else's repository that looks fresh", () => {
  it('an empty repository created shortly before the task is not adopted, and stays untouched', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { createdAt: new Date(github.now().getTime() - 60_000) });
    const error = await createAndPush(github, { repo, workspace }).catch(e => e);
    expect(error.name).toBe('ConflictError');
    // GitHub's timestamps are whole seconds, so 60 s earlier reads as 60 or 61 s depending on the millisecond.
    expect(error.message).toMatch(/was not created by this task \(it was created 6[01] s before.*it is empty/);
    expect(endState(github, 'acme', repo).commits).toBe(0);
    expect(github.countRequests({ method: 'POST' })).toBe(1); // the create request, nothing else written
  });

  it('one with GitHub initial commit and our description, a minute older than the task, is not adopted either', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, {
      autoInit: true,
      description: 'Session cache',
      createdAt: new Date(github.now().getTime() - 60_000),
    });
    const error = await createAndPush(github, { repo, workspace, create: { description: 'Session cache' } }).catch(
      e => e,
    );
    expect(error.message).toMatch(
      /^Repository acme\/fault-\d+ already exists and was not created by this task \(it was created 6\d s before this task decided to create it/,
    );
    expect(endState(github, 'acme', repo).files).toEqual(['README.md']);
  });

  it.each([
    ['10 minutes behind', -10 * 60_000],
    ['10 minutes ahead', 10 * 60_000],
  ])(
    "with GitHub's clock %s ours: our own repository (answer lost) is adopted, a minute-older one is not",
    async (_n, skew) => {
      const skewed = await startGithubStandin({ orgs: ['acme'], clockSkewMs: skew });
      try {
        skewed.inject({ kind: 'drop-response', method: 'POST', route: '/orgs/{org}/repos' });
        await createAndPush(skewed, { repo: 'ours', workspace, create: { description: 'd' } });
        expect(endState(skewed, 'acme', 'ours').commits).toBe(1);

        await skewed.createRepoDirectly('acme', 'theirs', {
          autoInit: true,
          description: 'd',
          createdAt: new Date(skewed.now().getTime() - 60_000),
        });
        const error = await createAndPush(skewed, { repo: 'theirs', workspace, create: { description: 'd' } }).catch(
          e => e,
        );
        expect(error.name).toBe('ConflictError');
        expect(error.message).toMatch(/it was created 6\d s before this task decided to create it/);
      } finally {
        await skewed.close();
      }
    },
  );

  it('an empty repository someone created AFTER the task recorded its intent is not adopted either', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    // the task records its intent, then its create request never reaches GitHub (4 attempts)
    github.inject({ kind: 'reset-connection', method: 'POST', route: '/orgs/{org}/repos', times: 4 });
    const lost = await createAndPush(github, { repo, workspace, checkpoints }).catch(e => e);
    expect(lost.message).toMatch(/create the repository/);
    expect(github.repoExists('acme', repo)).toBe(false);
    // meanwhile someone else creates the name, empty: its creation time alone would pass for ours
    await github.createRepoDirectly('acme', repo);
    github.resetRequests();
    const error = await createAndPush(github, { repo, workspace, checkpoints }).catch(e => e);
    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(
      `Repository acme/${repo} already exists and was not created by this task (it is empty, and this task creates repositories with their initial commit); nothing in it was changed. Choose another name or delete it first.`,
    );
    expect(endState(github, 'acme', repo).commits).toBe(0);
    expect(github.countRequests({ method: 'POST' })).toBe(1);
  });

  it('a resumed task adopts its own repository when the crash came before its checkpoint was saved', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    const { create } = githubActions(github);
    await create.handler(
      actionContext({ input: { repoUrl: `${github.host}?owner=acme&repo=${repo}`, description: 'x' }, checkpoints })
        .ctx,
    );
    for (const key of [...checkpoints.keys()]) if (!key.includes('.intent.')) checkpoints.delete(key);
    github.resetRequests();
    await createAndPush(github, {
      repo,
      workspace,
      checkpoints,
      create: { description: 'x' },
      taskId: 'resumed-elsewhere',
    });
    expect(endState(github, 'acme', repo)).toMatchObject({ commits: 1, branches: ['main'] });
  });
});

describe('a tree GitHub builds differently from the one sent', () => {
  it('is never committed: the push refuses, the repository keeps only GitHub initial commit; the retry completes', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    github.inject({ kind: 'different-tree' });
    const error = await createAndPush(github, { repo, workspace, checkpoints, taskId: `task-${repo}` }).catch(e => e);
    expect(error.message).toMatch(
      /^GitHub built tree [0-9a-f]{40} but the workspace hashes to [0-9a-f]{40}; refusing to commit content that differs from what was rendered$/,
    );
    expect(github.countRequests({ method: 'POST', route: '/repos/{owner}/{repo}/git/commits' })).toBe(0);
    expect(endState(github, 'acme', repo)).toMatchObject({ commits: 1, files: ['README.md'] });

    await createAndPush(github, { repo, workspace, checkpoints, taskId: `task-${repo}` });
    const state = endState(github, 'acme', repo);
    expect(state).toMatchObject({ commits: 1, branches: ['main'] });
    expect(state.files).toHaveLength(5);
  });
});

describe('a retried task', () => {
  it('never overwrites what someone pushed to its repository after the failed run', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    const run = () => createAndPush(github, { repo, workspace, checkpoints, create: { access: 'acme/later' } });
    await expect(run()).rejects.toThrow(/^access:/);
    // meanwhile the owner pushes work of their own onto GitHub's initial commit
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'their-'));
    git(['clone', '-q', github.gitDir('acme', repo), clone]);
    fs.writeFileSync(path.join(clone, 'notes.md'), 'mine\n');
    git(['add', '-A'], clone);
    git(['-c', 'user.name=Owner', '-c', 'user.email=o@example.com', 'commit', '-q', '-m', 'Their work'], clone);
    git(['push', '-q', 'origin', 'main'], clone);
    github.addTeam('acme', 'later');
    await expect(run()).rejects.toThrow(/already has commits that this action did not make; nothing was pushed/);
    expect(git(['log', '-1', '--format=%s', 'main'], github.gitDir('acme', repo))).toBe('Their work');
  });
});

describe("GitHub's initial commit", () => {
  it('not there yet right after creation: the tree call is repeated until it is', async () => {
    const repo = nextRepo();
    github.inject({
      kind: 'not-ready',
      status: 409,
      method: 'POST',
      route: '/repos/{owner}/{repo}/git/trees',
      times: 2,
    });
    await createAndPush(github, { repo, workspace });
    expect(github.countRequests({ method: 'POST', route: '/repos/{owner}/{repo}/git/trees' })).toBe(3);
    expect(endState(github, 'acme', repo)).toMatchObject({ commits: 1, branches: ['main'] });
  });

  it('never made (a GitHub that ignored auto_init): after a short grace the push bootstraps the empty repository', async () => {
    const repo = nextRepo();
    const { create, push } = githubActions(github);
    const input = { repoUrl: `${github.host}?owner=acme&repo=${repo}` };
    await create.handler(actionContext({ input, workspacePath: workspace }).ctx);
    git(['update-ref', '-d', 'refs/heads/main'], github.gitDir('acme', repo)); // empty again
    await push.handler(actionContext({ input, workspacePath: workspace }).ctx);
    const state = endState(github, 'acme', repo);
    expect(state).toMatchObject({ commits: 1, branches: ['main'] });
    expect(state.files).toHaveLength(5);
  });
});

describe("GitHub's error details", () => {
  it('are kept whole (message and errors[]), not cut to the first line', async () => {
    const error = await createAndPush(github, {
      repo: nextRepo(),
      workspace,
      create: { customProperties: { tier: 'bronze' } },
    }).catch(e => e);
    expect(error.message).toMatch(
      /GitHub refused to create the repository acme\/fault-\d+ \(422 Validation Failed \(CustomProperty\.tier: bronze is not an allowed value of tier\)\)/,
    );
  });

  it('a schema refusal keeps every problem GitHub listed', async () => {
    const fault: Fault = {
      kind: 'status',
      status: 422,
      method: 'POST',
      route: '/repos/{owner}/{repo}/git/trees',
      body: {
        message:
          'Invalid request.\n\nFor \'properties/tree/items/mode\', "1" is not a member.\nbase_tree is not valid.',
      },
    };
    github.inject(fault);
    const error = await createAndPush(github, { repo: nextRepo(), workspace }).catch(e => e);
    expect(error.message).toContain(
      `(422 Invalid request. For 'properties/tree/items/mode', "1" is not a member. base_tree is not valid.)`,
    );
  });
});
