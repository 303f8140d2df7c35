/** Public types of the stand-in (re-exported from index.ts). */

export type Permission = 'admin' | 'write' | 'read';

export interface TokenSpec {
  login: string;
  /** classic PAT scopes, echoed in x-oauth-scopes; 'repo' is needed to write, 'workflow' to touch .github/workflows */
  scopes?: string[];
  permission?: Permission;
}

/** A GitHub App the code under test may authenticate as (JWT → installation tokens). */
export interface AppSpec {
  appId: number;
  slug?: string;
  /** the PEM the code under test signs JWTs with; the stand-in only keeps its public half */
  privateKey: string;
  installations: Array<{
    account: string; // an org or user that exists
    id?: number;
    repositorySelection?: 'all' | 'selected';
    repositories?: string[];
    /** default: administration, contents and workflows write; metadata read */
    permissions?: Record<string, 'read' | 'write'>;
    suspended?: boolean;
  }>;
}

export interface StandinOptions {
  /** accepted tokens → the authenticated user. Default: 'ghp_standin_token' → 'octo-user', scopes repo+workflow, admin */
  tokens?: Record<string, TokenSpec>;
  /** organisations that exist (default ['acme']); every token user is an admin member */
  orgs?: string[];
  /** other users that exist */
  users?: string[];
  /** GitHub Apps (stretch): JWT auth, installation tokens */
  apps?: AppSpec[];
  /** teams that exist, as 'org/team-slug' (the organisation must be in `orgs`) */
  teams?: string[];
  /** plan per account (default: organisations 'team', users 'pro'); on 'free', branch protection of a
   * private repository answers 403 "Upgrade to GitHub Pro or make this repository public…" */
  plans?: Record<string, Plan>;
  /** custom properties an organisation defines, by organisation */
  customProperties?: Record<string, PropertyDefinition[]>;
  /** delay before every answer, API and git (an injected round-trip time) */
  latencyMs?: number;
  /** how far GitHub's clock is ahead of ours (negative: behind), in the Date header and every timestamp */
  clockSkewMs?: number;
}

export type Plan = 'free' | 'pro' | 'team' | 'enterprise';

export interface PropertyDefinition {
  name: string;
  valueType: 'string' | 'single_select' | 'multi_select' | 'true_false';
  required?: boolean;
  defaultValue?: string | string[] | null;
  allowedValues?: string[];
}

export interface RecordedRequest {
  method: string;
  /** as received, without the query (includes the /api/v3 prefix) */
  path: string;
  /** the OpenAPI path template, undefined when GitHub documents no such operation */
  route?: string;
  /** 0 while unanswered, and for connections the stand-in reset on purpose */
  status: number;
  /** whether an Authorization header was sent (the token itself is never stored) */
  authorization: boolean;
  /** bytes the client sent: request line, headers and body */
  bytes: number;
  /** 'git' for the smart HTTP protocol (clone/push); API requests leave it unset */
  kind?: 'git';
  /** the account the credentials belong to (user, or an App's bot); the token itself is never stored */
  login?: string;
  /** repository creation requests: the repository asked for, `owner/name` */
  createsRepo?: string;
}

/**
 * 'reset-connection': the connection drops before GitHub does anything;
 * 'drop-response': GitHub does the work and stores it, then the connection drops before the answer
 * (the client cannot tell the two apart and usually sends the request again);
 * 'different-tree': GitHub stores a tree other than the one sent (an encoding slip on its side: it
 * applies to POST /repos/{owner}/{repo}/git/trees) and answers with that tree's SHA.
 */
export type FaultKind =
  | 'status'
  | 'rate-limit'
  | 'secondary-rate-limit'
  | 'reset-connection'
  | 'drop-response'
  | 'not-ready'
  | 'different-tree'
  | 'hold';

/** What happens to a held request when the test lets it go. */
export type HoldOutcome = 'process' | 'drop';

/**
 * A request the stand-in keeps open without an answer (GitHub slow, or the client about to die),
 * from `GithubStandin.hold()`. The test decides afterwards whether GitHub did the work.
 */
export interface HeldRequest {
  /** Resolves once a matching request arrives; it stays unanswered until process() or drop(). */
  arrived: Promise<RecordedRequest>;
  /** GitHub does the work and answers, whether or not the client is still there to read it. */
  process(): void;
  /** The connection closes; GitHub never did anything. */
  drop(): void;
}

export interface Fault {
  /** default: any method */
  method?: string;
  /** OpenAPI path template (exact) or a RegExp tested against the concrete path (RecordedRequest.path) */
  route?: string | RegExp;
  /** how many matching requests fail (default 1) */
  times?: number;
  kind: FaultKind;
  /** 'status': the status (default 500); 'rate-limit': 403 (default) or 429; 'not-ready': 404 (default) or 409 */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** rate limits: seconds until x-ratelimit-reset / the retry-after value (default 60) */
  retryAfterSeconds?: number;
  /** 'hold' only, set by GithubStandin.hold() */
  gate?: { hold(request: RecordedRequest): Promise<HoldOutcome>; release(outcome: HoldOutcome): void };
}

export interface RepoInspection {
  createdAt: string;
  homepage: string | null;
  description: string | null;
  visibility: string;
  defaultBranch: string;
  topics: string[];
  /** has_issues, allow_squash_merge, … */
  settings: Record<string, boolean | string>;
  /** team slug → permission */
  teams: Record<string, string>;
  /** login → permission, direct collaborators */
  collaborators: Record<string, string>;
  /** login → permission, pending invitations */
  invitations: Record<string, string>;
  /** branch → the protection as PUT stored it, with requiredSignatures */
  protection: Record<string, Record<string, any>>;
  variables: Record<string, string>;
  /** secret name → the plaintext, recovered with the repository's private key (proves the sealed box) */
  secrets: Record<string, string>;
  oidc: { use_default: boolean; include_claim_keys?: string[] };
  workflowAccess: string;
  customProperties: Record<string, string | string[] | null>;
  subscribed: boolean;
}

export interface RepoSummary {
  owner: string;
  repo: string;
  private: boolean;
  visibility: string;
  defaultBranch: string;
  description: string | null;
  topics: string[];
}

export interface GithubStandin {
  /** http://127.0.0.1:PORT */
  url: string;
  /** '127.0.0.1:PORT' — the integrations.github host */
  host: string;
  /** `${url}/api/v3` — GitHub Enterprise style API root */
  apiBaseUrl: string;
  requests: RecordedRequest[];
  countRequests(filter?: { method?: string; route?: string | RegExp }): number;
  resetRequests(): void;
  inject(fault: Fault): void;
  /**
   * Holds the next request matching the filter open, unanswered, until the test calls process()
   * or drop() (a crash while GitHub works on a request; close() drops what is still held).
   */
  hold(filter: { method?: string; route?: string | RegExp }): HeldRequest;
  clearFaults(): void;
  gitDir(owner: string, repo: string): string;
  repoExists(owner: string, repo: string): boolean;
  listRepos(): RepoSummary[];
  /** Someone else's repository, made without the API; `createdAt` (GitHub's clock) backdates it. */
  createRepoDirectly(
    owner: string,
    repo: string,
    opts?: { autoInit?: boolean; createdAt?: Date; description?: string },
  ): Promise<void>;
  /** Everything the settings routes stored for a repository (secrets decrypted with its private key). */
  inspect(owner: string, repo: string): RepoInspection | undefined;
  /** GitHub's clock (this machine's plus clockSkewMs). */
  now(): Date;
  /** An organisation's team created after start-up (as an administrator would). */
  addTeam(org: string, slug: string): void;
  close(): Promise<void>;
}
