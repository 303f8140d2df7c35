import { ConfigReader } from '@backstage/config';
import { DefaultGithubCredentialsProvider, ScmIntegrations } from '@backstage/integration';
import { JsonObject, JsonValue } from '@backstage/types';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGithubPushAction } from '../../src/actions/githubPush';
import { createGithubRepoCreateAction } from '../../src/actions/githubRepoCreate';
import { GithubClientOptions } from '../../src/github/clientOptions';
import { DEFAULT_TOKEN, GithubStandin } from '../github-standin';
import { actionContext, ActionRecord } from './actionContext';

/** Retries and readiness waits shortened for tests; no write pacing. */
export const FAST_CLIENT: GithubClientOptions = {
  retries: 3,
  retryBaseDelayMs: 10,
  maxRetryAfterSeconds: 5,
  rateLimitRetries: 2,
  writePacingMs: 0,
  repoReadyTimeoutMs: 5000,
};

/** Our two GitHub actions wired to the stand-in, as the module wires them (config included). */
export function githubActions(
  github: GithubStandin,
  opts: { token?: string; config?: JsonObject; clientOptions?: GithubClientOptions } = {},
) {
  const config = new ConfigReader({
    ...opts.config,
    integrations: {
      github: [{ host: github.host, apiBaseUrl: github.apiBaseUrl, token: opts.token ?? DEFAULT_TOKEN }],
    },
  });
  const integrations = ScmIntegrations.fromConfig(config);
  const deps = {
    integrations,
    config,
    githubCredentialsProvider: DefaultGithubCredentialsProvider.fromIntegrations(integrations),
    clientOptions: opts.clientOptions ?? FAST_CLIENT,
  };
  return { create: createGithubRepoCreateAction(deps), push: createGithubPushAction(deps) };
}

/** Runs create then push like one task: same checkpoints, same record, same workspace. */
export async function createAndPush(
  github: GithubStandin,
  opts: {
    repo: string;
    owner?: string;
    workspace: string;
    create?: Record<string, unknown>;
    push?: Record<string, unknown>;
    checkpoints?: Map<string, JsonValue>;
    record?: ActionRecord;
    config?: JsonObject;
    token?: string;
    taskId?: string;
  },
) {
  const { create, push } = githubActions(github, { config: opts.config, token: opts.token });
  const checkpoints = opts.checkpoints ?? new Map<string, JsonValue>();
  const record = opts.record ?? { logs: [], outputs: {} };
  const repoUrl = `${github.host}?owner=${opts.owner ?? 'acme'}&repo=${opts.repo}`;
  const context = (input: Record<string, unknown>) => {
    const { ctx } = actionContext({ input: { repoUrl, ...input }, workspacePath: opts.workspace, checkpoints, record });
    if (opts.taskId) ctx.task = { id: opts.taskId };
    return ctx;
  };
  await create.handler(context(opts.create ?? {}));
  await push.handler(context(opts.push ?? {}));
  return { record, checkpoints };
}

/** A workspace of `count` small text files in a few folders. */
export function textWorkspace(count: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-'));
  for (let i = 0; i < count; i++) {
    fs.mkdirSync(path.join(dir, `dir${i % 7}`), { recursive: true });
    fs.writeFileSync(path.join(dir, `dir${i % 7}/file${i}.txt`), `content ${i}\n`);
  }
  return dir;
}

export function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Commits reachable from the stand-in repository's branches, and `git fsck --strict` (throws on a complaint). */
export function endState(github: GithubStandin, owner: string, repo: string) {
  const dir = github.gitDir(owner, repo);
  git(['fsck', '--strict', '--no-dangling'], dir);
  const branches = git(['for-each-ref', '--format=%(refname:short)', 'refs/heads'], dir).split('\n').filter(Boolean);
  return {
    branches,
    commits: branches.length ? Number(git(['rev-list', '--count', '--branches'], dir)) : 0,
    files: branches.length ? git(['ls-tree', '-r', '--name-only', 'HEAD'], dir).split('\n').filter(Boolean) : [],
  };
}

/** The route templates the stand-in saw, in order: `POST /orgs/{org}/repos`, … */
export function routesSeen(github: GithubStandin): string[] {
  return github.requests.map(r => `${r.method} ${r.route ?? r.path}`);
}
