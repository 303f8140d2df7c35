/**
 * Backstage's own publish:github (@backstage/plugin-scaffolder-backend-module-github, its real
 * action: isomorphic-git over the stand-in's git smart HTTP) next to our two actions, with the
 * same inputs: a template written for publish:github, github:repo:create or github:repo:push
 * moves to ours by changing the action ids, and ends with the same repository.
 */
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import {
  createGithubRepoCreateAction as createBackstageRepoCreate,
  createGithubRepoPushAction as createBackstageRepoPush,
  createPublishGithubAction,
} from '@backstage/plugin-scaffolder-backend-module-github';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from './github-standin';
import { actionContext } from './support/actionContext';
import { createAndPush, endState, git, githubActions, textWorkspace } from './support/githubHarness';

let github: GithubStandin;
let workspace: string;

beforeAll(async () => {
  github = await startGithubStandin({
    orgs: ['acme'],
    teams: ['acme/platform-team', 'acme/release'],
    customProperties: { acme: [{ name: 'tier', valueType: 'single_select', allowedValues: ['gold', 'silver'] }] },
  });
  workspace = textWorkspace(20);
  fs.writeFileSync(path.join(workspace, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
});
afterAll(() => github?.close());

function backstageActions() {
  const config = new ConfigReader({
    integrations: { github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: DEFAULT_TOKEN }] },
  });
  const integrations = ScmIntegrations.fromConfig(config);
  return {
    publish: createPublishGithubAction({ integrations, config }) as any,
    repoCreate: createBackstageRepoCreate({ integrations }) as any,
    repoPush: createBackstageRepoPush({ integrations, config }) as any,
  };
}

const inputNames = (action: { schema?: { input?: { properties?: object } } }) =>
  Object.keys(action.schema?.input?.properties ?? {}).sort();

describe('the mapping publish:github → our actions', () => {
  it('accepts every input of publish:github, github:repo:create and github:repo:push under the same name (autoInit aside)', () => {
    const theirs = backstageActions();
    const ours = githubActions(github);
    const create = inputNames(ours.create as any);
    const push = inputNames(ours.push as any);
    expect(inputNames(theirs.publish).filter(name => !create.includes(name) && !push.includes(name))).toEqual([]);
    // autoInit: our create always makes GitHub's initial commit, which our push replaces
    expect(inputNames(theirs.repoCreate).filter(name => !create.includes(name))).toEqual(['autoInit']);
    expect(inputNames(theirs.repoPush).filter(name => !push.includes(name))).toEqual([]);
  });
});

describe('side by side, same inputs', () => {
  const SHARED = {
    description: 'Session cache',
    homepage: 'https://my-redis.dev.example.com',
    repoVisibility: 'private',
    access: 'acme/platform-team',
    collaborators: [{ team: 'release', access: 'maintain' }],
    topics: ['stateful', 'golden-path'],
    hasWiki: false,
    deleteBranchOnMerge: true,
    allowRebaseMerge: false,
    squashMergeCommitTitle: 'PR_TITLE',
    customProperties: { tier: 'gold' },
    repoVariables: { AWS_REGION: 'eu-west-1' },
    secrets: { REGISTRY_TOKEN: 'tok3n' },
    oidcCustomization: { useDefault: false, includeClaimKeys: ['repo', 'context'] },
    defaultBranch: 'main',
    gitCommitMessage: 'Scaffold',
    gitAuthorName: 'Scaffolder',
    gitAuthorEmail: 'scaffolder@backstage.io',
    requiredApprovingReviewCount: 2,
    requiredStatusCheckContexts: ['delivery'],
    requireCodeOwnerReviews: true,
  };

  it('publish:github itself runs against the stand-in (git smart HTTP), and our actions end with the same repository', async () => {
    const { publish } = backstageActions();
    const repoUrl = (repo: string) => `${github.host}?owner=acme&repo=${repo}`;
    github.resetRequests();
    await publish.handler(
      actionContext({ input: { repoUrl: repoUrl('theirs'), ...SHARED }, workspacePath: workspace }).ctx,
    );
    expect(github.requests.filter(r => r.kind === 'git').map(r => `${r.method} ${r.status}`)).toEqual([
      'GET 401', // isomorphic-git asks without credentials first
      'GET 200',
      'POST 200',
    ]);

    // Ours: the same inputs, each to the action that takes it.
    const ours = githubActions(github);
    const create = inputNames(ours.create as any);
    const pick = (names: string[]) => Object.fromEntries(Object.entries(SHARED).filter(([k]) => names.includes(k)));
    await createAndPush(github, {
      repo: 'ours',
      workspace,
      create: pick(create),
      push: pick(inputNames(ours.push as any)),
    });

    const { createdAt: _a, ...theirState } = github.inspect('acme', 'theirs')!;
    const { createdAt: _b, ...ourState } = github.inspect('acme', 'ours')!;
    expect(ourState).toEqual(theirState);
    expect(ourState.protection.main).toMatchObject({
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 2, require_code_owner_reviews: true },
    });
    for (const repo of ['theirs', 'ours'])
      expect(endState(github, 'acme', repo)).toMatchObject({ commits: 1, branches: ['main'] });
    // the very same tree (content and modes) and the same author and message
    const head = (repo: string) => git(['log', '-1', '--format=%T %an <%ae> %s'], github.gitDir('acme', repo));
    expect(head('ours')).toBe(head('theirs'));
  });

  it('github:repo:create + github:repo:push templates move by changing the ids', async () => {
    const theirs = backstageActions();
    const ours = githubActions(github);
    const createInput = { description: 'x', repoVisibility: 'private', topics: ['a'], hasIssues: false };
    const pushInput = { defaultBranch: 'main', protectDefaultBranch: true, requiredLinearHistory: true };
    const run = async (create: any, push: any, repo: string) => {
      const input = (extra: object) => ({ repoUrl: `${github.host}?owner=acme&repo=${repo}`, ...extra });
      await create.handler(actionContext({ input: input(createInput), workspacePath: workspace }).ctx);
      await push.handler(actionContext({ input: input(pushInput), workspacePath: workspace }).ctx);
    };
    await run(theirs.repoCreate, theirs.repoPush, 'split-theirs');
    await run(ours.create, ours.push, 'split-ours');
    const { createdAt: _a, ...theirState } = github.inspect('acme', 'split-theirs')!;
    const { createdAt: _b, ...ourState } = github.inspect('acme', 'split-ours')!;
    expect(ourState).toEqual(theirState);
    expect(endState(github, 'acme', 'split-ours').commits).toBe(1);
  });
});
