/**
 * What the stand-in knows: accounts, repositories (metadata in memory, git data on disk), and the
 * rules about who may see and change what.
 */
import fs from 'fs';
import path from 'path';
import { GitStore, Ident } from './gitObjects';
import { TreeBuilder } from './treeBuilder';
import { HttpError, notFound } from './errors';
import { Permission, Plan, PropertyDefinition } from './types';
import type { InstallationRecord } from './auth';

export interface Account {
  id: number;
  login: string;
  type: 'User' | 'Organization' | 'Bot';
  nodeId: string;
  name: string | null;
  createdAt: string;
  /** GitHub plan: branch protection on private repositories needs more than 'free'. */
  plan: Plan;
}

/** An organisation's team (`PUT /orgs/{org}/teams/{team_slug}/repos/...` grants it access). */
export interface TeamRecord {
  id: number;
  nodeId: string;
  slug: string;
  name: string;
  org: Account;
}

/** Repository-level GitHub Actions and access state set by the settings routes. */
export interface RepoExtras {
  /** team slug (lower case) → permission */
  teams: Map<string, { team: TeamRecord; permission: string }>;
  /** login (lower case) → permission; direct collaborators (org members are added at once) */
  collaborators: Map<string, { account: Account; permission: string }>;
  /** login (lower case) → pending invitation (users outside the organisation) */
  invitations: Map<string, { id: number; account: Account; permission: string; createdAt: string }>;
  /** branch → what PUT .../protection stored (the request body, normalised) */
  protection: Map<string, { body: Record<string, any>; requiredSignatures: boolean }>;
  /** NAME (upper case) → value */
  variables: Map<string, { name: string; value: string; createdAt: string; updatedAt: string }>;
  /** NAME (upper case) → sealed-box ciphertext as sent */
  secrets: Map<string, { name: string; encryptedValue: string; keyId: string; createdAt: string; updatedAt: string }>;
  oidc: { use_default: boolean; include_claim_keys?: string[] };
  workflowAccess: 'none' | 'user' | 'organization';
  customProperties: Map<string, string | string[] | null>;
  subscription?: { subscribed: boolean; ignored: boolean; createdAt: string };
  /** the repository's Actions key pair (curve25519), made on first use */
  secretKey?: { keyId: string; publicKey: Uint8Array; privateKey: Uint8Array };
}

export interface Viewer {
  account: Account;
  /** classic PAT scopes (empty for installation tokens) */
  scopes: string[];
  permission: Permission;
  /** set when the caller uses a GitHub App installation token */
  installation?: InstallationRecord;
}

export interface RepoRecord {
  id: number;
  nodeId: string;
  owner: Account;
  name: string;
  description: string | null;
  homepage: string | null;
  private: boolean;
  visibility: 'public' | 'private' | 'internal';
  defaultBranch: string;
  topics: string[];
  settings: Record<string, boolean | string>; // has_issues, allow_squash_merge, … echoed back
  archived: boolean;
  isTemplate: boolean;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  git: GitStore;
  extras: RepoExtras;
}

/** GitHub's defaults for the boolean/string settings create/update accept. */
export const DEFAULT_SETTINGS: Record<string, boolean | string> = {
  has_issues: true,
  has_projects: true,
  has_wiki: true,
  has_downloads: true,
  has_discussions: false,
  allow_squash_merge: true,
  allow_merge_commit: true,
  allow_rebase_merge: true,
  allow_auto_merge: false,
  allow_update_branch: false,
  delete_branch_on_merge: false,
  use_squash_pr_title_as_default: false,
  squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
  squash_merge_commit_message: 'COMMIT_MESSAGES',
  merge_commit_title: 'MERGE_MESSAGE',
  merge_commit_message: 'PR_TITLE',
  web_commit_signoff_required: false,
};

/** GitHub's timestamp format: ISO 8601 in UTC, whole seconds. */
export const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function noreplyEmail(a: Account): string {
  return `${a.id}+${a.login}@users.noreply.github.com`;
}

export function identFor(a: Account, when = new Date()): Ident {
  return { name: a.name ?? a.login, email: noreplyEmail(a), time: Math.floor(when.getTime() / 1000), tzOffset: 0 };
}

export class StandinState {
  private nextId = 1_000_001;
  private readonly accounts = new Map<string, Account>();
  private readonly repos = new Map<string, RepoRecord>();
  private readonly teams = new Map<string, TeamRecord>();
  private readonly propertySchemas = new Map<string, PropertyDefinition[]>();

  /**
   * @param clockSkewMs how far GitHub's clock is ahead of this machine's (negative: behind); it shows
   *   in the Date header, in created_at/updated_at/pushed_at and in commit dates GitHub fills in.
   */
  constructor(
    readonly root: string,
    readonly clockSkewMs = 0,
  ) {}

  /** GitHub's clock. */
  now(): Date {
    return new Date(Date.now() + this.clockSkewMs);
  }

  nowIso(): string {
    return isoSeconds(this.now());
  }

  id(): number {
    return this.nextId++;
  }

  addAccount(login: string, type: Account['type'], plan?: Plan): Account {
    const existing = this.account(login);
    if (existing) {
      if (plan) existing.plan = plan;
      return existing;
    }
    const id = this.id();
    const prefix = type === 'Organization' ? 'O' : type === 'Bot' ? 'BOT' : 'U';
    const account: Account = {
      id,
      login,
      type,
      nodeId: `${prefix}_kgDO${Buffer.from(String(id)).toString('base64url')}`,
      name: null,
      createdAt: '2020-01-01T00:00:00Z',
      // paid plans by default, so protection works unless a test asks for the free plan
      plan: plan ?? (type === 'Organization' ? 'team' : 'pro'),
    };
    this.accounts.set(login.toLowerCase(), account);
    return account;
  }

  /** Logins are case-insensitive on GitHub. */
  account(login: string): Account | undefined {
    return this.accounts.get(login.toLowerCase());
  }

  addTeam(org: Account, slug: string): TeamRecord {
    const key = `${org.login.toLowerCase()}/${slug.toLowerCase()}`;
    const existing = this.teams.get(key);
    if (existing) return existing;
    const id = this.id();
    const team: TeamRecord = {
      id,
      nodeId: `T_kwDO${Buffer.from(String(id)).toString('base64url')}`,
      slug: slug.toLowerCase(),
      name: slug,
      org,
    };
    this.teams.set(key, team);
    return team;
  }

  /** Team slugs are case-insensitive. */
  team(org: string, slug: string): TeamRecord | undefined {
    return this.teams.get(`${org.toLowerCase()}/${slug.toLowerCase()}`);
  }

  definePropertySchema(org: string, definitions: PropertyDefinition[]): void {
    this.propertySchemas.set(org.toLowerCase(), definitions);
  }

  propertySchema(org: string): PropertyDefinition[] {
    return this.propertySchemas.get(org.toLowerCase()) ?? [];
  }

  private key(owner: string, name: string): string {
    return `${owner.toLowerCase()}/${name.toLowerCase()}`;
  }

  findRepo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(this.key(owner, name));
  }

  allRepos(): RepoRecord[] {
    return [...this.repos.values()];
  }

  gitDirFor(owner: string, name: string): string {
    const repo = this.findRepo(owner, name);
    return repo ? repo.git.dir : path.join(this.root, owner, `${name}.git`);
  }

  createRepo(
    owner: Account,
    input: {
      name: string;
      description?: string | null;
      homepage?: string | null;
      visibility: RepoRecord['visibility'];
      isTemplate?: boolean;
      settings?: Record<string, boolean | string>;
    },
    creator: Account,
    autoInit: boolean,
    createdAt: Date = this.now(),
  ): RepoRecord {
    const now = isoSeconds(createdAt);
    const id = this.id();
    const repo: RepoRecord = {
      id,
      nodeId: `R_kgDO${Buffer.from(String(id)).toString('base64url')}`,
      owner,
      name: input.name,
      description: input.description || null,
      homepage: input.homepage || null,
      private: input.visibility !== 'public',
      visibility: input.visibility,
      defaultBranch: 'main',
      topics: [],
      settings: { ...DEFAULT_SETTINGS, ...(input.settings ?? {}) },
      archived: false,
      isTemplate: !!input.isTemplate,
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
      git: GitStore.init(path.join(this.root, owner.login, `${input.name}.git`)),
      extras: {
        teams: new Map(),
        collaborators: new Map(),
        invitations: new Map(),
        protection: new Map(),
        variables: new Map(),
        secrets: new Map(),
        oidc: { use_default: true },
        workflowAccess: 'none',
        customProperties: new Map(),
      },
    };
    this.repos.set(this.key(owner.login, input.name), repo);
    if (autoInit) {
      // GitHub's auto_init: one parentless commit with a README on the default branch
      const readme = `# ${repo.name}\n${repo.description ? `${repo.description}\n` : ''}`;
      const builder = new TreeBuilder(repo.git);
      builder.set('README.md', '100644', repo.git.writeObject('blob', Buffer.from(readme)));
      const ident = identFor(creator, createdAt);
      const commit = repo.git.writeCommit({
        tree: builder.write(),
        parents: [],
        author: ident,
        committer: ident,
        message: 'Initial commit',
      });
      repo.git.updateRef('refs/heads/main', commit);
    }
    return repo;
  }

  deleteRepo(repo: RepoRecord): void {
    this.repos.delete(this.key(repo.owner.login, repo.name));
    fs.rmSync(repo.git.dir, { recursive: true, force: true });
  }

  renameRepo(repo: RepoRecord, newName: string): void {
    this.repos.delete(this.key(repo.owner.login, repo.name));
    const dir = path.join(this.root, repo.owner.login, `${newName}.git`);
    fs.renameSync(repo.git.dir, dir);
    repo.git = new GitStore(dir);
    repo.name = newName;
    this.repos.set(this.key(repo.owner.login, newName), repo);
  }

  // -------------------------------------------------------------------------------------------
  // access rules

  /** Private repositories are visible to their owner and, for organisations, to members
   * (every token user is a member of every configured organisation). */
  canSee(viewer: Viewer, repo: RepoRecord): boolean {
    const inst = viewer.installation;
    if (inst) {
      // an installation sees its account's repositories (all, or the selected ones) and public ones
      const covered =
        repo.owner.id === inst.account.id &&
        (inst.repositorySelection === 'all' || inst.repositories.includes(repo.name.toLowerCase()));
      return covered || !repo.private;
    }
    return !repo.private || repo.owner.type === 'Organization' || repo.owner.id === viewer.account.id;
  }

  /** GitHub hides private repositories the viewer cannot see behind a 404. */
  repoForRead(viewer: Viewer, owner: string, name: string): RepoRecord {
    const repo = this.findRepo(owner, name);
    if (!repo || !this.canSee(viewer, repo)) throw notFound();
    return repo;
  }

  repoForWrite(viewer: Viewer, owner: string, name: string, level: 'write' | 'admin' = 'write'): RepoRecord {
    const repo = this.repoForRead(viewer, owner, name);
    if (viewer.installation) {
      const inst = viewer.installation;
      const permission = inst.permissions[level === 'admin' ? 'administration' : 'contents'];
      if (repo.owner.id !== inst.account.id || permission !== 'write')
        throw new HttpError(403, 'Resource not accessible by integration');
      return repo;
    }
    requireScope(viewer, repo.private);
    const rank = { read: 0, write: 1, admin: 2 };
    if (
      rank[viewer.permission] < rank[level] ||
      (repo.owner.type === 'User' && repo.owner.id !== viewer.account.id && level === 'admin')
    ) {
      throw new HttpError(403, 'Resource not accessible by personal access token');
    }
    if (repo.archived && level === 'write') {
      throw new HttpError(403, 'Repository was archived so is read-only.');
    }
    return repo;
  }
}

/** Classic PATs: writing needs 'repo' ('public_repo' suffices for public repositories).
 * GitHub answers 404 rather than revealing the repository to an under-scoped token. */
export function requireScope(viewer: Viewer, privateRepo: boolean): void {
  const ok = viewer.scopes.includes('repo') || (!privateRepo && viewer.scopes.includes('public_repo'));
  if (!ok) throw notFound();
}
