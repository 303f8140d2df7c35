/**
 * What the create step knows about a repository it has just made, handed to the push step of
 * the same task in the same process, so that a fresh task does not ask GitHub what it already
 * knows (the repository exists, holds only GitHub's initial commit, on this branch).
 *
 * Only ever a shortcut: a push that finds nothing here (another process, a resumed task, the
 * push used on its own) reads the repository instead. Entries are taken once and expire.
 */
export type FreshRepository = {
  htmlUrl: string;
  /** the branch GitHub's initial commit is on (the owner's default branch name) */
  initialBranch: string;
};

/** The push step follows the create step at once; anything older is not trusted. */
const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 1000;

export class FreshRepositories {
  private readonly entries = new Map<string, FreshRepository & { expiresAt: number }>();

  private static key(taskId: string, host: string, owner: string, repo: string): string {
    return `${taskId}\n${host}/${owner}/${repo}`.toLowerCase();
  }

  remember(taskId: string, host: string, owner: string, repo: string, fresh: FreshRepository): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(FreshRepositories.key(taskId, host, owner, repo), { ...fresh, expiresAt: now + TTL_MS });
  }

  /** The entry for this task's repository, removed: a second push of the same task reads instead. */
  take(taskId: string, host: string, owner: string, repo: string): FreshRepository | undefined {
    const key = FreshRepositories.key(taskId, host, owner, repo);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    if (!entry || entry.expiresAt <= Date.now()) return undefined;
    return { htmlUrl: entry.htmlUrl, initialBranch: entry.initialBranch };
  }
}

/** Shared by the create and push actions of this module in one backend process. */
export const freshRepositories = new FreshRepositories();
