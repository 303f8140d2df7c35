/**
 * A faithful local stand-in for the GitHub REST API (GitHub Enterprise layout: API under /api/v3),
 * for tests and benchmarks. Requests are routed and validated against GitHub's own OpenAPI
 * description; git data is stored as real objects in bare repositories that `git clone` and
 * `git fsck --strict` accept. Listens on 127.0.0.1 only.
 *
 *   const gh = await startGithubStandin();
 *   const octokit = new Octokit({ baseUrl: gh.apiBaseUrl, auth: 'ghp_standin_token' });
 *   …
 *   await gh.close();
 */
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import { AddressInfo } from 'net';
import sodium from 'libsodium-wrappers';
import { Credentials } from './auth';
import { RouteTable } from './context';
import { FaultQueue } from './faults';
import { getSpec } from './openapi';
import { Urls } from './render';
import { accessRoutes } from './routes/access';
import { actionsRoutes, openSecret } from './routes/actions';
import { appRoutes } from './routes/apps';
import { archiveRoutes } from './routes/archives';
import { commitRoutes } from './routes/commits';
import { contentRoutes } from './routes/contents';
import { gitRoutes } from './routes/git';
import { propertyRoutes } from './routes/properties';
import { protectionRoutes } from './routes/protection';
import { repoRoutes } from './routes/repos';
import { userRoutes } from './routes/users';
import { API_PREFIX, createRequestListener } from './server';
import { StandinState } from './state';
import { Fault, GithubStandin, RecordedRequest, StandinOptions } from './types';

export type {
  AppSpec,
  Fault,
  FaultKind,
  GithubStandin,
  HeldRequest,
  HoldOutcome,
  Permission,
  Plan,
  PropertyDefinition,
  RecordedRequest,
  RepoInspection,
  RepoSummary,
  StandinOptions,
  TokenSpec,
} from './types';
export { validateResponse, specStats } from './openapi';

export const DEFAULT_TOKEN = 'ghp_standin_token';

const routes: RouteTable = {
  ...userRoutes,
  ...repoRoutes,
  ...gitRoutes,
  ...contentRoutes,
  ...commitRoutes,
  ...appRoutes,
  ...archiveRoutes,
  ...protectionRoutes,
  ...accessRoutes,
  ...actionsRoutes,
  ...propertyRoutes,
};

/**
 * Body keys the OpenAPI description does not declare are refused on every route (GitHub ignores
 * them, so a misspelt optional parameter would pass unnoticed), with these known exceptions.
 */
const TOLERATED_BODY_KEYS: Readonly<Record<string, readonly string[]>> = {
  // Backstage's own publish:github (module-github 0.10.x, createGithubRepoWithCollaboratorsAndTopics)
  // sends allow_update_branch on both creation requests, where GitHub does not document it; ours
  // sends it in the update call. Tolerated so that test/publishGithub.test.ts runs theirs as it is.
  'POST /orgs/{org}/repos': ['allow_update_branch'],
  'POST /user/repos': ['allow_update_branch'],
};

function matchesRoute(recorded: string | undefined, filter: string | RegExp | undefined, p: string): boolean {
  if (filter === undefined) return true;
  // a RegExp may target the template or the concrete path
  return typeof filter === 'string'
    ? recorded === filter
    : (recorded !== undefined && filter.test(recorded)) || filter.test(p);
}

export async function startGithubStandin(options: StandinOptions = {}): Promise<GithubStandin> {
  getSpec(); // load the OpenAPI description now, not on the first request
  await sodium.ready; // Actions secrets: sealed boxes

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'github-standin-'));
  const state = new StandinState(root, options.clockSkewMs ?? 0);
  const credentials = new Credentials(state);
  const tokenSpecs = options.tokens ?? {
    [DEFAULT_TOKEN]: { login: 'octo-user', scopes: ['repo', 'workflow'], permission: 'admin' },
  };
  for (const [token, spec] of Object.entries(tokenSpecs)) credentials.addUserToken(token, spec);
  for (const org of options.orgs ?? ['acme']) state.addAccount(org, 'Organization');
  for (const user of options.users ?? []) state.addAccount(user, 'User');
  for (const app of options.apps ?? []) credentials.addApp(app);
  for (const [login, plan] of Object.entries(options.plans ?? {})) {
    if (!state.account(login)) throw new Error(`github-standin: plans: unknown account ${login}`);
    state.addAccount(login, state.account(login)!.type, plan);
  }
  for (const ref of options.teams ?? []) {
    const [org, slug] = ref.split('/');
    const account = state.account(org);
    if (account?.type !== 'Organization' || !slug) throw new Error(`github-standin: teams: ${ref} is not <org>/<team>`);
    state.addTeam(account, slug);
  }
  for (const [org, definitions] of Object.entries(options.customProperties ?? {})) {
    state.definePropertySchema(org, definitions);
  }

  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();
  // Known only once the server listens; the listener reads it later.
  // eslint-disable-next-line prefer-const
  let urls: Urls | undefined;
  const server = http.createServer(
    createRequestListener({
      state,
      credentials,
      faults,
      requests,
      routes,
      urls: () => urls!,
      latencyMs: options.latencyMs,
      toleratedBodyKeys: TOLERATED_BODY_KEYS,
    }),
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve()); // loopback only
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  urls = { web: `http://${host}`, api: `http://${host}${API_PREFIX}`, host };
  const firstUser = state.account(credentials.firstUserLogin() ?? 'octo-user') ?? state.addAccount('octo-user', 'User');

  const standin: GithubStandin = {
    url: urls.web,
    host,
    apiBaseUrl: urls.api,
    requests,
    countRequests(filter = {}) {
      return requests.filter(
        r =>
          (!filter.method || r.method === filter.method.toUpperCase()) && matchesRoute(r.route, filter.route, r.path),
      ).length;
    },
    resetRequests() {
      requests.length = 0; // same array: callers may hold a reference to `requests`
    },
    inject(fault: Fault) {
      faults.inject(fault);
    },
    hold(filter) {
      return faults.hold(filter);
    },
    clearFaults() {
      faults.clear();
    },
    gitDir(owner, repo) {
      return state.gitDirFor(owner, repo);
    },
    repoExists(owner, repo) {
      return state.findRepo(owner, repo) !== undefined;
    },
    listRepos() {
      return state.allRepos().map(r => ({
        owner: r.owner.login,
        repo: r.name,
        private: r.private,
        visibility: r.visibility,
        defaultBranch: r.defaultBranch,
        description: r.description,
        topics: [...r.topics],
      }));
    },
    async createRepoDirectly(owner, repo, opts = {}) {
      const account = state.account(owner) ?? state.addAccount(owner, 'User');
      if (state.findRepo(owner, repo)) throw new Error(`github-standin: ${owner}/${repo} already exists`);
      state.createRepo(
        account,
        { name: repo, visibility: 'private', description: opts.description },
        account.type === 'User' ? account : firstUser,
        !!opts.autoInit,
        opts.createdAt,
      );
    },
    inspect(owner, repo) {
      const r = state.findRepo(owner, repo);
      if (!r) return undefined;
      const x = r.extras;
      const pick = <V, T>(m: Map<string, V>, f: (v: V) => T) =>
        Object.fromEntries([...m].map(([k, v]) => [k, f(v)])) as Record<string, T>;
      return {
        createdAt: r.createdAt,
        homepage: r.homepage,
        description: r.description,
        visibility: r.visibility,
        defaultBranch: r.defaultBranch,
        topics: [...r.topics],
        settings: { ...r.settings },
        teams: pick(x.teams, t => t.permission),
        collaborators: Object.fromEntries([...x.collaborators.values()].map(c => [c.account.login, c.permission])),
        invitations: Object.fromEntries([...x.invitations.values()].map(i => [i.account.login, i.permission])),
        protection: pick(x.protection, p => ({ ...structuredClone(p.body), requiredSignatures: p.requiredSignatures })),
        variables: Object.fromEntries([...x.variables.values()].map(v => [v.name, v.value])),
        secrets: Object.fromEntries([...x.secrets.values()].map(v => [v.name, openSecret(r, v.encryptedValue) ?? ''])),
        oidc: structuredClone(x.oidc),
        workflowAccess: x.workflowAccess,
        customProperties: Object.fromEntries(x.customProperties),
        subscribed: x.subscription?.subscribed ?? false,
      };
    },
    now() {
      return state.now();
    },
    addTeam(org, slug) {
      const account = state.account(org);
      if (account?.type !== 'Organization') throw new Error(`github-standin: addTeam: ${org} is not an organisation`);
      state.addTeam(account, slug);
    },
    async close() {
      faults.dropHeld();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return standin;
}
