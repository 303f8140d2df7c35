import { branchProtectionBody, checkBranchProtection } from './branchProtection';

describe('branchProtectionBody', () => {
  it("is on by default with publish:github's defaults", () => {
    expect(branchProtectionBody({})).toEqual({
      required_status_checks: { strict: true, contexts: [] },
      enforce_admins: true,
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: false,
        dismiss_stale_reviews: false,
        require_last_push_approval: false,
      },
      restrictions: null,
      required_linear_history: false,
      required_conversation_resolution: false,
      block_creations: false,
    });
  });

  it('is off with protectDefaultBranch: false', () => {
    expect(branchProtectionBody({ protectDefaultBranch: false, requiredApprovingReviewCount: 2 })).toBeUndefined();
  });

  it('carries every option to its GitHub field', () => {
    const body = branchProtectionBody({
      protectEnforceAdmins: false,
      requireCodeOwnerReviews: true,
      requiredApprovingReviewCount: 2,
      dismissStaleReviews: true,
      requiredStatusCheckContexts: ['build', 'test'],
      requireBranchesToBeUpToDate: false,
      requiredConversationResolution: true,
      requireLastPushApproval: true,
      requiredLinearHistory: true,
      bypassPullRequestAllowances: { teams: ['release'] },
      restrictions: { users: [], teams: ['platform'] },
    })!;
    expect(body).toMatchObject({
      enforce_admins: false,
      required_status_checks: { strict: false, contexts: ['build', 'test'] },
      required_pull_request_reviews: {
        required_approving_review_count: 2,
        require_code_owner_reviews: true,
        dismiss_stale_reviews: true,
        require_last_push_approval: true,
        bypass_pull_request_allowances: { teams: ['release'] },
      },
      restrictions: { users: [], teams: ['platform'] },
      required_linear_history: true,
      required_conversation_resolution: true,
    });
  });
});

describe('checkBranchProtection', () => {
  it.each([7, -1, 1.5])('refuses %p approving reviews', count => {
    expect(() => checkBranchProtection({ requiredApprovingReviewCount: count })).toThrow(
      /requiredApprovingReviewCount: must be a whole number from 0 to 6/,
    );
  });

  it('refuses empty status check names and accepts the rest', () => {
    expect(() => checkBranchProtection({ requiredStatusCheckContexts: ['build', ' '] })).toThrow(
      /requiredStatusCheckContexts/,
    );
    expect(() =>
      checkBranchProtection({ requiredApprovingReviewCount: 0, requiredStatusCheckContexts: ['b'] }),
    ).not.toThrow();
  });
});
