/**
 * What the stand-in knows: accounts, repositories (metadata in memory, git data on disk), and the
 * rules about who may see and change what.
 */
import fs from 'fs';
import path from 'path';
import { GitStore, Ident } from './gitObjects';
import { TreeBuilder } from './treeBuilder';
import { HttpError, notFound } from './errors';
import { Permission } from './types';
import type { InstallationRecord } from './auth';

export interface Account {
  id: number;
  login: string;
  type: 'User' | 'Organization' | 'Bot';
  nodeId: string;
  name: string | null;
  createdAt: string;
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

export const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

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

  constructor(readonly root: string) {}

  id(): number {
    return this.nextId++;
  }

  addAccount(login: string, type: Account['type']): Account {
    const existing = this.account(login);
    if (existing) return existing;
    const id = this.id();
    const prefix = type === 'Organization' ? 'O' : type === 'Bot' ? 'BOT' : 'U';
    const account: Account = {
      id,
      login,
      type,
      nodeId: `${prefix}_kgDO${Buffer.from(String(id)).toString('base64url')}`,
      name: null,
      createdAt: '2020-01-01T00:00:00Z',
    };
    this.accounts.set(login.toLowerCase(), account);
    return account;
  }

  /** Logins are case-insensitive on GitHub. */
  account(login: string): Account | undefined {
    return this.accounts.get(login.toLowerCase());
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
  ): RepoRecord {
    const now = nowIso();
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
    };
    this.repos.set(this.key(owner.login, input.name), repo);
    if (autoInit) {
      // GitHub's auto_init: one parentless commit with a README on the default branch
      const readme = `# ${repo.name}\n${repo.description ? `${repo.description}\n` : ''}`;
      const builder = new TreeBuilder(repo.git);
      builder.set('README.md', '100644', repo.git.writeObject('blob', Buffer.from(readme)));
      const ident = identFor(creator);
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
