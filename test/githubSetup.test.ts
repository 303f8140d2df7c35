/**
 * Everything publish:github sets up on a new repository, through our two actions, against the
 * GitHub stand-in: each option lands where GitHub keeps it, one request per setting, a resumed
 * task converges, each setting fails or warns as the README says, and a secret never leaves
 * sealed.
 */
import { JsonValue } from '@backstage/types';
import { GithubStandin, startGithubStandin } from './github-standin';
import { ActionRecord } from './support/actionContext';
import { createAndPush, endState, git, routesSeen, textWorkspace } from './support/githubHarness';

const SECRET = 'sup3r-s3cret-value-Zq9';
let github: GithubStandin;
let workspace: string;
let counter = 0;
const nextRepo = () => `setup-${++counter}`;

beforeAll(async () => {
  github = await startGithubStandin({
    orgs: ['acme', 'freeorg'],
    users: ['outsider'],
    teams: ['acme/platform-team', 'acme/release'],
    plans: { freeorg: 'free' },
    customProperties: {
      acme: [
        { name: 'cost-center', valueType: 'string' },
        { name: 'tier', valueType: 'single_select', allowedValues: ['gold', 'silver'] },
      ],
    },
  });
  workspace = textWorkspace(12);
});
afterAll(() => github?.close());
beforeEach(() => {
  github.clearFaults();
  github.resetRequests();
});

/** Every option of publish:github, under its own name, none at its default. */
const CREATE_OPTIONS = {
  description: 'Session cache',
  homepage: 'https://my-redis.dev.example.com',
  repoVisibility: 'private',
  topics: ['stateful', 'Golden-Path'],
  access: 'acme/platform-team',
  collaborators: [
    { user: 'outsider', access: 'push' },
    { team: 'group:default/release', access: 'maintain' },
  ],
  hasIssues: false,
  hasWiki: false,
  hasProjects: false,
  allowMergeCommit: false,
  allowSquashMerge: true,
  allowRebaseMerge: false,
  allowAutoMerge: true,
  allowUpdateBranch: true,
  deleteBranchOnMerge: true,
  squashMergeCommitTitle: 'PR_TITLE',
  squashMergeCommitMessage: 'PR_BODY',
  customProperties: { 'cost-center': 'platform', tier: 'gold' },
  workflowAccess: 'organization',
  repoVariables: { AWS_REGION: 'eu-west-1', ENVIRONMENT: 'dev' },
  secrets: { REGISTRY_TOKEN: SECRET },
  oidcCustomization: { useDefault: false, includeClaimKeys: ['repo', 'context'] },
  subscribe: true,
};
const PUSH_OPTIONS = {
  defaultBranch: 'main',
  gitCommitMessage: 'Scaffold',
  protectEnforceAdmins: false,
  requireCodeOwnerReviews: true,
  requiredApprovingReviewCount: 2,
  dismissStaleReviews: true,
  requiredStatusCheckContexts: ['delivery'],
  requireBranchesToBeUpToDate: false,
  requiredConversationResolution: true,
  requireLastPushApproval: true,
  requiredCommitSigning: true,
  requiredLinearHistory: true,
  bypassPullRequestAllowances: { teams: ['release'] },
  restrictions: { users: [], teams: ['platform-team'] },
};

const EXPECTED_STATE = {
  homepage: 'https://my-redis.dev.example.com',
  description: 'Session cache',
  visibility: 'private',
  topics: ['stateful', 'golden-path'],
  settings: {
    has_issues: false,
    has_wiki: false,
    has_projects: false,
    allow_merge_commit: false,
    allow_squash_merge: true,
    allow_rebase_merge: false,
    allow_auto_merge: true,
    allow_update_branch: true,
    delete_branch_on_merge: true,
    squash_merge_commit_title: 'PR_TITLE',
    squash_merge_commit_message: 'PR_BODY',
  },
  teams: { 'platform-team': 'admin', release: 'maintain' },
  invitations: { outsider: 'push' },
  customProperties: { 'cost-center': 'platform', tier: 'gold' },
  workflowAccess: 'organization',
  variables: { AWS_REGION: 'eu-west-1', ENVIRONMENT: 'dev' },
  secrets: { REGISTRY_TOKEN: SECRET }, // the stand-in opened the sealed box with the repository's private key
  oidc: { use_default: false, include_claim_keys: ['repo', 'context'] },
  subscribed: true,
  protection: {
    main: {
      enforce_admins: false,
      required_status_checks: { strict: false, contexts: ['delivery'] },
      required_pull_request_reviews: {
        required_approving_review_count: 2,
        require_code_owner_reviews: true,
        dismiss_stale_reviews: true,
        require_last_push_approval: true,
        bypass_pull_request_allowances: { teams: ['release'] },
      },
      restrictions: { users: [], teams: ['platform-team'] },
      required_linear_history: true,
      required_conversation_resolution: true,
      requiredSignatures: true,
    },
  },
};

describe('every publish:github option', () => {
  it('lands where GitHub keeps it, with one request per setting on top of the floor', async () => {
    const repo = nextRepo();
    await createAndPush(github, { repo, workspace, create: CREATE_OPTIONS, push: PUSH_OPTIONS });
    expect(github.inspect('acme', repo)).toMatchObject(EXPECTED_STATE);
    expect(endState(github, 'acme', repo)).toMatchObject({ branches: ['main'], commits: 1 });
    expect(git(['log', '-1', '--format=%s'], github.gitDir('acme', repo))).toBe('Scaffold');
    expect(routesSeen(github)).toEqual([
      'POST /orgs/{org}/repos', // settings, custom properties and GitHub's initial commit ride on it
      'PATCH /repos/{owner}/{repo}', // allowUpdateBranch: only the update call knows it
      'PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}', // access
      'PUT /repos/{owner}/{repo}/collaborators/{username}', // collaborators[0]
      'PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}', // collaborators[1]
      'PUT /repos/{owner}/{repo}/topics',
      'POST /repos/{owner}/{repo}/actions/variables',
      'POST /repos/{owner}/{repo}/actions/variables',
      'GET /repos/{owner}/{repo}/actions/secrets/public-key', // needed to seal the secrets
      'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}',
      'PUT /repos/{owner}/{repo}/actions/oidc/customization/sub',
      'PUT /repos/{owner}/{repo}/actions/permissions/access',
      'PUT /repos/{owner}/{repo}/subscription',
      'POST /repos/{owner}/{repo}/git/trees',
      'POST /repos/{owner}/{repo}/git/commits',
      'PATCH /repos/{owner}/{repo}/git/refs/{ref}',
      'PUT /repos/{owner}/{repo}/branches/{branch}/protection', // after the commit
      'POST /repos/{owner}/{repo}/branches/{branch}/protection/required_signatures',
    ]);
  });

  it('is applied again on a resumed task and converges, with no second repository', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    await createAndPush(github, { repo, workspace, create: CREATE_OPTIONS, push: PUSH_OPTIONS, checkpoints });
    github.resetRequests();
    await createAndPush(github, { repo, workspace, create: CREATE_OPTIONS, push: PUSH_OPTIONS, checkpoints });
    const seen = routesSeen(github);
    expect(seen).not.toContain('POST /orgs/{org}/repos');
    // what rode on the create request is applied with update calls; a variable that exists is updated
    expect(seen).toEqual(
      expect.arrayContaining([
        'PATCH /repos/{owner}/{repo}',
        'PATCH /repos/{owner}/{repo}/properties/values',
        'PATCH /repos/{owner}/{repo}/actions/variables/{name}',
        'PUT /repos/{owner}/{repo}/branches/{branch}/protection',
      ]),
    );
    expect(github.listRepos().filter(r => r.repo === repo)).toHaveLength(1);
    expect(github.inspect('acme', repo)).toMatchObject(EXPECTED_STATE);
    expect(endState(github, 'acme', repo).commits).toBe(1);
  });
});

describe('fail or warn', () => {
  it('access to a team GitHub does not know fails, naming access; the retry after the team exists finishes', async () => {
    const repo = nextRepo();
    const checkpoints = new Map<string, JsonValue>();
    const run = () =>
      createAndPush(github, { repo, workspace, checkpoints, create: { access: 'acme/late-team', topics: ['x'] } });
    const error = await run().catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(
      /^access: GitHub refused admin access for team acme\/late-team \(404 Not Found\): the team does not exist.*acme\/setup-\d+ was created; fix the team or user and retry the task/,
    );
    github.addTeam('acme', 'late-team');
    await run();
    expect(github.inspect('acme', repo)).toMatchObject({ teams: { 'late-team': 'admin' }, topics: ['x'] });
    expect(endState(github, 'acme', repo).commits).toBe(1);
  });

  it('collaborators GitHub refuses are warnings, as in publish:github, and the task completes', async () => {
    const repo = nextRepo();
    const record: ActionRecord = { logs: [], outputs: {} };
    await createAndPush(github, {
      repo,
      workspace,
      record,
      create: {
        collaborators: [
          { team: 'ghosts', access: 'push' },
          { user: 'nobody-here', access: 'admin' },
          { team: 'platform-team', access: 'maintain' },
        ],
      },
    });
    const warnings = record.logs.filter(l => l.startsWith('warn:'));
    expect(warnings).toEqual([
      expect.stringMatching(/collaborators\[0\]: team acme\/ghosts did not get push access \(404/),
      expect.stringMatching(/collaborators\[1\]: user nobody-here did not get admin access \(404/),
    ]);
    expect(github.inspect('acme', repo)!.teams).toEqual({ 'platform-team': 'maintain' });
  });

  it('protection a free plan refuses fails after the push, saying what to do; protectDefaultBranch: false skips it', async () => {
    const repo = nextRepo();
    const error = await createAndPush(github, { repo, owner: 'freeorg', workspace }).catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(
      /^protectDefaultBranch: GitHub refused to protect main of freeorg\/setup-\d+ \(403 Upgrade to GitHub Pro or make this repository public to enable this feature\.\).*The push is done.*set protectDefaultBranch: false/,
    );
    expect(endState(github, 'freeorg', repo).commits).toBe(1);

    const unprotected = nextRepo();
    github.resetRequests();
    await createAndPush(github, {
      repo: unprotected,
      owner: 'freeorg',
      workspace,
      push: { protectDefaultBranch: false },
    });
    expect(routesSeen(github)).not.toContain('PUT /repos/{owner}/{repo}/branches/{branch}/protection');
    expect(github.inspect('freeorg', unprotected)!.protection).toEqual({});
  });

  it("refuses what only organisations have in a user's own account, before creating anything", async () => {
    const repo = nextRepo();
    const error = await createAndPush(github, {
      repo,
      owner: 'octo-user',
      workspace,
      create: { customProperties: { tier: 'gold' } },
    }).catch(e => e);
    expect(error.message).toBe('customProperties: only organisation repositories have custom properties');
    expect(github.repoExists('octo-user', repo)).toBe(false);
  });

  it.each([
    [{ homepage: 'ftp://x' }, /^homepage:/],
    [
      { collaborators: [{ team: 'a', user: 'b', access: 'push' }] },
      /^collaborators\[0\]: give exactly one of user or team/,
    ],
    [{ repoVariables: { 'BAD-NAME': 'x' } }, /^repoVariables: "BAD-NAME"/],
    [{ oidcCustomization: { useDefault: false } }, /^oidcCustomization:/],
    [{ repoVisibility: 'public', visibility: 'private' }, /^repoVisibility: "public" contradicts visibility/],
  ])('refuses bad input %p before any request', async (create, message) => {
    const error = await createAndPush(github, { repo: nextRepo(), workspace, create }).catch(e => e);
    expect(error.name).toBe('InputError');
    expect(error.message).toMatch(message);
    expect(github.requests).toEqual([]);
  });
});

describe('config fallbacks publish:github reads', () => {
  it('takes the commit author and message from scaffolder.defaultAuthor and defaultCommitMessage; inputs win', async () => {
    const config = {
      scaffolder: { defaultAuthor: { name: 'Platform Bot', email: 'bot@example.com' }, defaultCommitMessage: 'Hello' },
    };
    const repo = nextRepo();
    await createAndPush(github, { repo, workspace, config });
    expect(git(['log', '-1', '--format=%an <%ae>|%s'], github.gitDir('acme', repo))).toBe(
      'Platform Bot <bot@example.com>|Hello',
    );
    const other = nextRepo();
    await createAndPush(github, {
      repo: other,
      workspace,
      config,
      push: { gitAuthorName: 'Ada', gitCommitMessage: 'Mine' },
    });
    expect(git(['log', '-1', '--format=%an <%ae>|%s'], github.gitDir('acme', other))).toBe(
      'Ada <bot@example.com>|Mine',
    );
  });

  it("without them, the commit is publish:github's 'initial commit' by the credential's identity", async () => {
    const repo = nextRepo();
    await createAndPush(github, { repo, workspace });
    expect(git(['log', '-1', '--format=%an|%s'], github.gitDir('acme', repo))).toBe('octo-user|initial commit');
  });
});

describe('secrets', () => {
  it('never reach a log line, an output, a checkpoint or an error, even when GitHub echoes one back', async () => {
    const repo = nextRepo();
    const record: ActionRecord = { logs: [], outputs: {} };
    const checkpoints = new Map<string, JsonValue>();
    github.inject({
      kind: 'status',
      status: 422,
      method: 'PUT',
      route: '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
      body: { message: `Invalid value ${SECRET}`, errors: [{ resource: 'Secret', field: 'value', message: SECRET }] },
    });
    const error = await createAndPush(github, {
      repo,
      workspace,
      record,
      checkpoints,
      create: { secrets: { REGISTRY_TOKEN: SECRET } },
    }).catch(e => e);
    expect(error.message).toMatch(/store the Actions secret REGISTRY_TOKEN .*Invalid value \*\*\*/);
    const everything = [
      error.message,
      error.stack,
      ...record.logs,
      JSON.stringify(record.outputs),
      ...checkpoints.keys(),
      JSON.stringify([...checkpoints.values()]),
    ].join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(Buffer.from(SECRET).toString('base64'));
  });
});
