/**
 * The push's decisions (src/github/treePusher.ts) one by one against the GitHub stand-in: what it
 * writes on a repository this task has just created, what it reads and decides on any other
 * (replace, done, refuse, bootstrap), and the tree-SHA guard. Real octokit, real HTTP, results
 * read back with the git binary. Small and fast: npm run mutation runs it against every mutant
 * of the push.
 */
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { execFileSync } from 'node:child_process';
import { connectToRepository, resolveGithubActionOptions } from '../src/github/client';
import { GitFile, treeSha } from '../src/github/gitObjects';
import { resolveGithubRepo } from '../src/github/repoUrl';
import { PushRequest, TreePusher } from '../src/github/treePusher';
import { isInlineText } from '../src/github/workspaceFiles';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from './github-standin';
import { FAST_CLIENT, endState, routesSeen } from './support/githubHarness';

let github: GithubStandin;
let counter = 0;
const nextRepo = () => `push-${++counter}`;
const logs: string[] = [];
const logger: any = {
  info: (m: string) => logs.push(`info: ${m}`),
  warn: (m: string) => logs.push(`warn: ${m}`),
  error: (m: string) => logs.push(`error: ${m}`),
  debug: () => {},
  child: () => logger,
};

beforeAll(async () => {
  github = await startGithubStandin({ orgs: ['acme'] });
});
afterAll(() => github?.close());
beforeEach(() => {
  github.clearFaults();
  github.resetRequests();
  logs.length = 0;
});

const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01]);
const FILES: GitFile[] = [
  { path: 'README.md', mode: '100644', content: Buffer.from('# svc\n\nA stateful app.\n') },
  { path: 'bin/start', mode: '100755', content: Buffer.from('#!/bin/sh\nexec python3 app.py\n') },
  { path: 'deploy/base/kustomization.yaml', mode: '100644', content: Buffer.from('resources: []\n') },
  { path: 'img/logo.png', mode: '100644', content: BINARY },
];

function request(overrides: Partial<PushRequest> = {}, files = FILES): PushRequest {
  return {
    files,
    binaryPaths: new Set(files.filter(f => !isInlineText(f.content)).map(f => f.path)),
    expectedTree: treeSha(files),
    branch: 'main',
    message: 'Scaffold',
    author: { name: 'Golden Path', email: 'gp@example.com' },
    ...overrides,
  };
}

async function pusherFor(repo: string) {
  const config = new ConfigReader({
    integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: DEFAULT_TOKEN }] },
  });
  const deps = resolveGithubActionOptions({
    integrations: ScmIntegrations.fromConfig(config),
    clientOptions: FAST_CLIENT,
  });
  const location = resolveGithubRepo(`${github.host}?owner=acme&repo=${repo}`, deps.integrations);
  const { octokit, failure } = await connectToRepository(deps, location, undefined, logger);
  return new TreePusher(octokit, 'acme', repo, 2000, action => failure(action, 'Contents: write'), logger);
}

function gitIn(dir: string, args: string[], input?: string, env: Record<string, string> = {}): string {
  return execFileSync('git', ['-c', 'user.name=Someone', '-c', 'user.email=someone@example.com', ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  }).trim();
}

/** A commit someone made without us, straight into the stand-in's repository. */
function commitDirectly(
  repo: string,
  opts: { files: Record<string, string>; message: string; branch?: string; parent?: string; date?: Date },
): string {
  const dir = github.gitDir('acme', repo);
  const entries = Object.entries(opts.files).map(
    ([name, text]) => `100644 blob ${gitIn(dir, ['hash-object', '-w', '--stdin'], text)}\t${name}`,
  );
  const tree = gitIn(dir, ['mktree'], `${entries.join('\n')}\n`);
  const date = (opts.date ?? github.now()).toISOString();
  const sha = gitIn(dir, ['commit-tree', tree, ...(opts.parent ? ['-p', opts.parent] : []), '-m', opts.message], '', {
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  gitIn(dir, ['update-ref', `refs/heads/${opts.branch ?? 'main'}`, sha]);
  return sha;
}

const head = (repo: string, ref = 'HEAD') => {
  const [sha, tree, parents, author, ...message] = gitIn(github.gitDir('acme', repo), [
    'log',
    '-1',
    '--format=%H%n%T%n%P%n%an <%ae>%n%B',
    ref,
  ]).split('\n');
  return { sha, tree, parents, author, message: message.join('\n').trim() };
};
const defaultBranch = (repo: string) => github.listRepos().find(r => r.repo === repo)?.defaultBranch;
const htmlUrl = (repo: string) => `${github.url}/acme/${repo}`;
const writes = () => github.requests.filter(r => r.method !== 'GET').length;

describe('on a repository this task has just created', () => {
  it('writes the binary files as blobs, one tree, one parentless commit and one ref update; reads nothing', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const pusher = await pusherFor(repo);
    github.resetRequests();
    const result = await pusher.push(request(), { htmlUrl: 'https://example.test/acme/x', initialBranch: 'main' });

    expect(routesSeen(github)).toEqual([
      'POST /repos/{owner}/{repo}/git/blobs',
      'POST /repos/{owner}/{repo}/git/trees',
      'POST /repos/{owner}/{repo}/git/commits',
      'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
    ]);
    expect(result).toEqual({ commitHash: head(repo).sha, htmlUrl: 'https://example.test/acme/x' });
    expect(head(repo)).toMatchObject({
      tree: treeSha(FILES),
      parents: '',
      message: 'Scaffold',
      author: 'Golden Path <gp@example.com>',
    });
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['main'], commits: 1 });
    const dir = github.gitDir('acme', repo);
    expect(gitIn(dir, ['ls-tree', '-r', 'HEAD']).split('\n')).toEqual([
      expect.stringMatching(/^100644 blob \w+\tREADME\.md$/),
      expect.stringMatching(/^100755 blob \w+\tbin\/start$/),
      expect.stringMatching(/^100644 blob \w+\tdeploy\/base\/kustomization\.yaml$/),
      expect.stringMatching(/^100644 blob \w+\timg\/logo\.png$/),
    ]);
    expect(Buffer.from(execFileSync('git', ['show', 'HEAD:img/logo.png'], { cwd: dir }))).toEqual(BINARY);
    expect(logs).toContain(`info: Pushed 4 files to acme/${repo}@main as commit ${result.commitHash}`);
  });

  it('without an author, leaves the author to GitHub (the credential)', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    await (
      await pusherFor(repo)
    ).push(request({ author: undefined }), { htmlUrl: htmlUrl(repo), initialBranch: 'main' });
    expect(head(repo).author).toMatch(/^octo-user </);
  });

  it('moves to the requested branch when GitHub made its initial commit on another one', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const pusher = await pusherFor(repo);
    github.resetRequests();
    await pusher.push(request({ branch: 'trunk' }), { htmlUrl: htmlUrl(repo), initialBranch: 'main' });
    expect(routesSeen(github).slice(-3)).toEqual([
      'POST /repos/{owner}/{repo}/git/refs',
      'PATCH /repos/{owner}/{repo}',
      'DELETE /repos/{owner}/{repo}/git/refs/{ref}',
    ]);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['trunk'], commits: 1 });
    expect(defaultBranch(repo)).toBe('trunk');
    expect(head(repo, 'trunk').tree).toBe(treeSha(FILES));
  });

  it('accepts its own repeated branch creation and deletion (the first answers lost)', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    github.inject({ kind: 'drop-response', method: 'POST', route: '/repos/{owner}/{repo}/git/refs' });
    github.inject({ kind: 'drop-response', method: 'DELETE', route: '/repos/{owner}/{repo}/git/refs/{ref}' });
    await (await pusherFor(repo)).push(request({ branch: 'trunk' }), { htmlUrl: htmlUrl(repo), initialBranch: 'main' });
    expect(github.countRequests({ method: 'POST', route: '/repos/{owner}/{repo}/git/refs' })).toBe(2);
    expect(github.countRequests({ method: 'DELETE' })).toBe(2);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['trunk'], commits: 1 });
  });

  it('refuses a branch of that name someone created meanwhile, pointing elsewhere', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const theirs = commitDirectly(repo, { files: { 'x.txt': 'x\n' }, message: 'Theirs', branch: 'trunk' });
    const error = await (
      await pusherFor(repo)
    )
      .push(request({ branch: 'trunk' }), { htmlUrl: htmlUrl(repo), initialBranch: 'main' })
      .catch(e => e);
    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(
      `Branch trunk of acme/${repo} was created by someone else meanwhile; nothing was pushed`,
    );
    expect(head(repo, 'trunk').sha).toBe(theirs);
    expect(head(repo, 'main').message).toBe('Initial commit');
  });
});

describe('the tree-SHA guard', () => {
  it('refuses to commit a tree GitHub built differently from the rendered one, and commits nothing', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const initial = head(repo).sha;
    const pusher = await pusherFor(repo);
    github.inject({ kind: 'different-tree' });
    const error = await pusher.push(request(), { htmlUrl: htmlUrl(repo), initialBranch: 'main' }).catch(e => e);
    expect(error.message).toMatch(
      new RegExp(
        `^GitHub built tree [0-9a-f]{40} but the workspace hashes to ${treeSha(FILES)}; refusing to commit content that differs from what was rendered$`,
      ),
    );
    expect(github.countRequests({ route: '/repos/{owner}/{repo}/git/commits' })).toBe(0);
    expect(head(repo).sha).toBe(initial);

    // the same push once GitHub stores what it is sent: done, on top of nothing but the initial commit
    await pusher.push(request(), undefined);
    expect(head(repo)).toMatchObject({ tree: treeSha(FILES), parents: '' });
  });

  it('holds on a repository read first too, and for a tree of binary files only', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const initial = head(repo).sha;
    const binaryOnly = [{ path: 'logo.png', mode: '100644' as const, content: BINARY }];
    github.inject({ kind: 'different-tree' });
    const error = await (await pusherFor(repo)).push(request({}, binaryOnly), undefined).catch(e => e);
    expect(error.message).toMatch(/refusing to commit content that differs from what was rendered$/);
    expect(head(repo).sha).toBe(initial);
  });
});

describe('on a repository it reads first', () => {
  it("replaces GitHub's untouched initial commit", async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const result = await (await pusherFor(repo)).push(request(), undefined);
    expect(result).toEqual({ commitHash: head(repo).sha, htmlUrl: htmlUrl(repo) });
    expect(head(repo)).toMatchObject({ tree: treeSha(FILES), parents: '' });
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['main'], commits: 1 });
  });

  it('is done when the branch already holds this content: the same commit, nothing written', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const pusher = await pusherFor(repo);
    const first = await pusher.push(request(), undefined);
    github.resetRequests();
    const again = await pusher.push(request({ message: 'Another message' }), undefined);
    expect(again).toEqual(first);
    expect(writes()).toBe(0);
    expect(logs).toContain(
      `info: acme/${repo}@main already holds this content (commit ${first.commitHash}); nothing to push`,
    );
  });

  it.each([
    ['more history', { message: 'Initial commit', withParent: true }],
    ['a commit of its own', { message: 'Add the service' }],
    ["GitHub's message on other files", { message: 'Initial commit', files: { 'app.py': 'print(1)\n' } }],
    ["GitHub's message, a minute after the repository was made", { message: 'Initial commit', minutesLater: 2 }],
  ])("refuses a branch holding someone's work (%s) and leaves it", async (_name, shape) => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, {
      autoInit: true,
      createdAt: new Date(github.now().getTime() - 5 * 60_000),
    });
    const created = new Date(github.now().getTime() - 5 * 60_000);
    const theirs = commitDirectly(repo, {
      files: (shape as { files?: Record<string, string> }).files ?? { 'README.md': '# x\n' },
      message: shape.message,
      parent: (shape as { withParent?: boolean }).withParent ? head(repo).sha : undefined,
      date: new Date(created.getTime() + ((shape as { minutesLater?: number }).minutesLater ?? 0) * 60_000),
    });
    github.resetRequests();
    const error = await (await pusherFor(repo)).push(request(), undefined).catch(e => e);
    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(
      `Branch main of acme/${repo} already has commits that this action did not make; nothing was pushed`,
    );
    expect(writes()).toBe(0);
    expect(head(repo).sha).toBe(theirs);
  });

  it.each([
    ['LICENSE and .gitignore beside the README', { 'README.md': '# x\n', LICENSE: 'MIT\n', '.gitignore': 'x\n' }],
    ['a README only', { 'README.md': '# x\n' }],
  ])('replaces an initial commit GitHub would make (%s), within a minute of the repository', async (_n, files) => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { createdAt: new Date(github.now().getTime() - 5 * 60_000) });
    commitDirectly(repo, {
      files,
      message: 'Initial commit\n',
      date: new Date(github.now().getTime() - 5 * 60_000 + 50_000),
    });
    await (await pusherFor(repo)).push(request(), undefined);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['main'], commits: 1 });
    expect(head(repo).tree).toBe(treeSha(FILES));
  });

  it('bootstraps an empty repository through the Contents API; the bootstrap file does not stay', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo);
    github.resetRequests();
    await (await pusherFor(repo)).push(request(), undefined);
    expect(github.countRequests({ method: 'PUT', route: '/repos/{owner}/{repo}/contents/{path}' })).toBe(1);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['main'], commits: 1 });
    expect(head(repo)).toMatchObject({ tree: treeSha(FILES), parents: '' });
  });

  it('replaces its own bootstrap commit left by an earlier run that failed after it', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { createdAt: new Date(github.now().getTime() - 3_600_000) });
    const pusher = await pusherFor(repo);
    github.inject({ kind: 'status', status: 500, method: 'POST', route: '/repos/{owner}/{repo}/git/trees', times: 4 });
    await expect(pusher.push(request(), undefined)).rejects.toThrow(/create the tree in/);
    expect(head(repo).message).toBe('Bootstrap (replaced by the golden path initial commit)');

    await pusher.push(request(), undefined);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['main'], commits: 1 });
    expect(head(repo).tree).toBe(treeSha(FILES));
  });

  it('bootstraps an empty repository and moves to the requested branch', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo);
    await (await pusherFor(repo)).push(request({ branch: 'trunk' }), undefined);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['trunk'], commits: 1 });
    expect(defaultBranch(repo)).toBe('trunk');
  });

  it("creates the requested branch beside a default branch holding GitHub's initial commit, which goes", async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    await (await pusherFor(repo)).push(request({ branch: 'trunk' }), undefined);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['trunk'], commits: 1 });
    expect(defaultBranch(repo)).toBe('trunk');
  });

  it("pushes nothing beside a default branch holding someone's work", async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    const theirs = commitDirectly(repo, { files: { 'a.txt': 'a\n' }, message: 'Work', parent: head(repo).sha });
    github.resetRequests();
    const error = await (await pusherFor(repo)).push(request({ branch: 'trunk' }), undefined).catch(e => e);
    expect(error.name).toBe('ConflictError');
    expect(error.message).toBe(
      `acme/${repo} already has commits on main that this action did not make; nothing was pushed`,
    );
    expect(writes()).toBe(0);
    expect(endState(github, 'acme', repo).branches).toEqual(['main']);
    expect(head(repo).sha).toBe(theirs);
  });

  it.each([
    ["GitHub's initial commit: it goes", false, ['trunk']],
    ["someone's work: it stays", true, ['main', 'trunk']],
  ])(
    'a resumed push finishes the move to its branch; the former default holds %s',
    async (_name, workOnMain, branches) => {
      const repo = nextRepo();
      await github.createRepoDirectly('acme', repo, { autoInit: true });
      const pusher = await pusherFor(repo);
      // the first run created trunk, then failed to make it the default
      github.inject({ kind: 'status', status: 500, method: 'PATCH', route: '/repos/{owner}/{repo}', times: 4 });
      const failed = await pusher.push(request({ branch: 'trunk' }), undefined).catch(e => e);
      expect(failed.message).toBe(
        `GitHub failed while trying to set the default branch of acme/${repo} (500 Server Error), after retries`,
      );
      expect(defaultBranch(repo)).toBe('main');
      if (workOnMain) commitDirectly(repo, { files: { 'a.txt': 'a\n' }, message: 'Work', parent: head(repo).sha });

      const resumed = await pusher.push(request({ branch: 'trunk' }), undefined);
      expect(resumed.commitHash).toBe(head(repo, 'trunk').sha);
      expect(defaultBranch(repo)).toBe('trunk');
      expect(endState(github, 'acme', repo).branches).toEqual(branches);
    },
  );

  it('waits for a repository GitHub does not serve yet (404 for a moment)', async () => {
    const repo = nextRepo();
    await github.createRepoDirectly('acme', repo, { autoInit: true });
    github.inject({ kind: 'not-ready', method: 'GET', route: '/repos/{owner}/{repo}', times: 2 });
    await (await pusherFor(repo)).push(request(), undefined);
    expect(github.countRequests({ method: 'GET', route: '/repos/{owner}/{repo}' })).toBe(3);
    expect(logs.filter(l => l === `info: acme/${repo} is not ready yet (404); retrying`)).toHaveLength(2);
    expect(head(repo).tree).toBe(treeSha(FILES));
  });
});
