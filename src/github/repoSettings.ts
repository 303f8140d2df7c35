import { InputError } from '@backstage/errors';

/**
 * The repository settings publish:github sets on creation, with its input names and defaults,
 * turned into the bodies of GitHub's create and update calls. Pure: no requests here.
 */
export type RepositorySettingsInput = {
  description?: string;
  homepage?: string;
  hasIssues?: boolean;
  hasWiki?: boolean;
  hasProjects?: boolean;
  allowMergeCommit?: boolean;
  allowSquashMerge?: boolean;
  allowRebaseMerge?: boolean;
  allowAutoMerge?: boolean;
  allowUpdateBranch?: boolean;
  deleteBranchOnMerge?: boolean;
  squashMergeCommitTitle?: 'PR_TITLE' | 'COMMIT_OR_PR_TITLE';
  squashMergeCommitMessage?: 'PR_BODY' | 'COMMIT_MESSAGES' | 'BLANK';
};

export const SQUASH_TITLES = ['PR_TITLE', 'COMMIT_OR_PR_TITLE'] as const;
export const SQUASH_MESSAGES = ['PR_BODY', 'COMMIT_MESSAGES', 'BLANK'] as const;

/** What GitHub's create endpoints accept. allow_update_branch is not among them: it needs the update call. */
export type CreateSettingsBody = {
  description?: string;
  homepage?: string;
  has_issues?: boolean;
  has_wiki?: boolean;
  has_projects?: boolean;
  allow_merge_commit: boolean;
  allow_squash_merge: boolean;
  allow_rebase_merge: boolean;
  allow_auto_merge: boolean;
  delete_branch_on_merge: boolean;
  squash_merge_commit_title: string;
  squash_merge_commit_message: string;
};

/**
 * The settings part of the create request, with publish:github's defaults: merge commits, squash
 * and rebase allowed, auto-merge and delete-on-merge off, squash title "commit or PR title" and
 * message "commit messages". hasIssues/hasWiki/hasProjects left unset keep GitHub's (or the
 * organisation's) defaults, as publish:github does.
 */
export function createSettingsBody(input: RepositorySettingsInput): CreateSettingsBody {
  return {
    ...(input.description ? { description: input.description } : {}),
    ...(input.homepage ? { homepage: input.homepage } : {}),
    ...(input.hasIssues !== undefined ? { has_issues: input.hasIssues } : {}),
    ...(input.hasWiki !== undefined ? { has_wiki: input.hasWiki } : {}),
    ...(input.hasProjects !== undefined ? { has_projects: input.hasProjects } : {}),
    allow_merge_commit: input.allowMergeCommit ?? true,
    allow_squash_merge: input.allowSquashMerge ?? true,
    allow_rebase_merge: input.allowRebaseMerge ?? true,
    allow_auto_merge: input.allowAutoMerge ?? false,
    delete_branch_on_merge: input.deleteBranchOnMerge ?? false,
    squash_merge_commit_title: input.squashMergeCommitTitle ?? 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: input.squashMergeCommitMessage ?? 'COMMIT_MESSAGES',
  };
}

/**
 * The update-call body that brings an existing repository to the same settings: used when the
 * settings could not ride on the create request (a resumed task, an adopted repository) and for
 * allow_update_branch, which only the update call knows.
 */
export function updateSettingsBody(input: RepositorySettingsInput): Record<string, string | boolean> {
  const { description, homepage, ...settings } = createSettingsBody(input);
  return {
    ...settings,
    // an update must clear what a create simply leaves out
    description: description ?? '',
    homepage: homepage ?? '',
    allow_update_branch: input.allowUpdateBranch ?? false,
  };
}

/** Whether the create request alone leaves the repository as asked (else one update call follows). */
export function createCoversSettings(input: RepositorySettingsInput): boolean {
  return !input.allowUpdateBranch;
}

/** Checks what GitHub would only refuse after creating nothing, or silently keep: refuses before any request. */
export function checkRepositorySettings(input: RepositorySettingsInput): void {
  if (input.homepage) {
    const url = URL.canParse(input.homepage) ? new URL(input.homepage) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      throw new InputError(`homepage: ${JSON.stringify(input.homepage)} must be an http(s) URL`);
    }
    if (input.homepage.length > 255) throw new InputError('homepage: at most 255 characters');
  }
  if (input.squashMergeCommitTitle && !SQUASH_TITLES.includes(input.squashMergeCommitTitle)) {
    throw new InputError(`squashMergeCommitTitle: must be one of ${SQUASH_TITLES.join(', ')}`);
  }
  if (input.squashMergeCommitMessage && !SQUASH_MESSAGES.includes(input.squashMergeCommitMessage)) {
    throw new InputError(`squashMergeCommitMessage: must be one of ${SQUASH_MESSAGES.join(', ')}`);
  }
  if (input.allowMergeCommit === false && input.allowSquashMerge === false && input.allowRebaseMerge === false) {
    throw new InputError(
      'allowMergeCommit, allowSquashMerge, allowRebaseMerge: GitHub needs at least one merge method allowed',
    );
  }
}
