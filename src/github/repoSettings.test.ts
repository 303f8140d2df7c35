import { checkRepositorySettings, createCoversSettings, createSettingsBody, updateSettingsBody } from './repoSettings';

describe('repository settings', () => {
  it("create body: publish:github's merge defaults, GitHub's own for issues, wiki and projects", () => {
    expect(createSettingsBody({})).toEqual({
      allow_merge_commit: true,
      allow_squash_merge: true,
      allow_rebase_merge: true,
      allow_auto_merge: false,
      delete_branch_on_merge: false,
      squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
      squash_merge_commit_message: 'COMMIT_MESSAGES',
    });
    expect(
      createSettingsBody({ homepage: 'https://x.example', hasWiki: false, hasIssues: true, allowRebaseMerge: false }),
    ).toMatchObject({ homepage: 'https://x.example', has_wiki: false, has_issues: true, allow_rebase_merge: false });
  });

  it('update body: the same settings, plus what only the update call knows, clearing what is unset', () => {
    expect(updateSettingsBody({ allowUpdateBranch: true, hasProjects: false })).toMatchObject({
      description: '',
      homepage: '',
      has_projects: false,
      allow_update_branch: true,
      allow_merge_commit: true,
    });
    expect(createCoversSettings({ allowUpdateBranch: true })).toBe(false);
    expect(createCoversSettings({ hasWiki: false })).toBe(true);
  });

  it.each([
    [{ homepage: 'not a url' }, /homepage: "not a url" must be an http\(s\) URL/],
    [{ homepage: 'javascript:alert(1)' }, /homepage/],
    [{ squashMergeCommitTitle: 'TITLE' as any }, /squashMergeCommitTitle: must be one of PR_TITLE, COMMIT_OR_PR_TITLE/],
    [{ squashMergeCommitMessage: 'ALL' as any }, /squashMergeCommitMessage/],
    [{ allowMergeCommit: false, allowSquashMerge: false, allowRebaseMerge: false }, /at least one merge method/],
  ])('refuses %p', (input, message) => {
    expect(() => checkRepositorySettings(input)).toThrow(message);
  });
});
