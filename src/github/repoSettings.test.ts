import { InputError } from '@backstage/errors';
import { checkRepositorySettings, createCoversSettings, createSettingsBody, updateSettingsBody } from './repoSettings';

/** publish:github's merge settings, sent on create and on every update. */
const MERGE_DEFAULTS = {
  allow_merge_commit: true,
  allow_squash_merge: true,
  allow_rebase_merge: true,
  allow_auto_merge: false,
  delete_branch_on_merge: false,
  squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
  squash_merge_commit_message: 'COMMIT_MESSAGES',
};

describe('repository settings', () => {
  it("create body: publish:github's merge defaults, GitHub's own for issues, wiki and projects", () => {
    // toStrictEqual: an unset setting is left out of the body, not sent as undefined
    expect(createSettingsBody({})).toStrictEqual(MERGE_DEFAULTS);
    expect(
      createSettingsBody({ homepage: 'https://x.example', hasWiki: false, hasIssues: true, allowRebaseMerge: false }),
    ).toMatchObject({ homepage: 'https://x.example', has_wiki: false, has_issues: true, allow_rebase_merge: false });
    expect(
      createSettingsBody({
        description: 'Orders service',
        hasProjects: true,
        allowMergeCommit: false,
        allowSquashMerge: false,
        allowAutoMerge: true,
        deleteBranchOnMerge: true,
        squashMergeCommitTitle: 'PR_TITLE',
        squashMergeCommitMessage: 'BLANK',
      }),
    ).toStrictEqual({
      description: 'Orders service',
      has_projects: true,
      allow_merge_commit: false,
      allow_squash_merge: false,
      allow_rebase_merge: true,
      allow_auto_merge: true,
      delete_branch_on_merge: true,
      squash_merge_commit_title: 'PR_TITLE',
      squash_merge_commit_message: 'BLANK',
    });
  });

  it('update body: the same settings, plus what only the update call knows, clearing what is unset', () => {
    expect(updateSettingsBody({ allowUpdateBranch: true, hasProjects: false })).toMatchObject({
      description: '',
      homepage: '',
      has_projects: false,
      allow_update_branch: true,
      allow_merge_commit: true,
    });
    expect(updateSettingsBody({ description: 'Orders', homepage: 'https://orders.example' })).toStrictEqual({
      description: 'Orders',
      homepage: 'https://orders.example',
      ...MERGE_DEFAULTS,
      allow_update_branch: false,
    });
    expect(createCoversSettings({ allowUpdateBranch: true })).toBe(false);
    expect(createCoversSettings({ hasWiki: false })).toBe(true);
  });

  it.each([
    {},
    { homepage: 'http://orders.example' },
    { homepage: `https://orders.example/${'a'.repeat(255 - 'https://orders.example/'.length)}` },
    { squashMergeCommitTitle: 'PR_TITLE' as const, squashMergeCommitMessage: 'PR_BODY' as const },
    // one merge method left is enough, also when the others are left at their default
    { allowMergeCommit: false, allowSquashMerge: false },
    { allowMergeCommit: false, allowRebaseMerge: false },
    { allowSquashMerge: false, allowRebaseMerge: false },
    { allowMergeCommit: true, allowSquashMerge: false, allowRebaseMerge: false },
    { allowMergeCommit: false, allowSquashMerge: true, allowRebaseMerge: false },
    { allowMergeCommit: false, allowSquashMerge: false, allowRebaseMerge: true },
  ])('accepts %p', input => {
    expect(() => checkRepositorySettings(input)).not.toThrow();
  });

  it.each([
    [{ homepage: 'not a url' }, /^homepage: "not a url" must be an http\(s\) URL$/],
    [{ homepage: 'javascript:alert(1)' }, /^homepage: "javascript:alert\(1\)" must be an http\(s\) URL$/],
    [{ homepage: 'ftp://orders.example/' }, /^homepage: "ftp:\/\/orders.example\/" must be an http\(s\) URL$/],
    [
      { homepage: `https://orders.example/${'a'.repeat(256 - 'https://orders.example/'.length)}` },
      /^homepage: at most 255 characters$/,
    ],
    [{ squashMergeCommitTitle: 'TITLE' as any }, /squashMergeCommitTitle: must be one of PR_TITLE, COMMIT_OR_PR_TITLE/],
    [
      { squashMergeCommitMessage: 'ALL' as any },
      /^squashMergeCommitMessage: must be one of PR_BODY, COMMIT_MESSAGES, BLANK$/,
    ],
    [
      { allowMergeCommit: false, allowSquashMerge: false, allowRebaseMerge: false },
      /^allowMergeCommit, allowSquashMerge, allowRebaseMerge: GitHub needs at least one merge method allowed$/,
    ],
  ])('refuses %p', (input, message) => {
    expect(() => checkRepositorySettings(input)).toThrow(InputError);
    expect(() => checkRepositorySettings(input)).toThrow(message);
  });
});
