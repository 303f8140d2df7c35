import { InputError } from '@backstage/errors';

/**
 * Default-branch protection with publish:github's input names and defaults: on unless
 * protectDefaultBranch is false; admins included; one approving review; branches up to date.
 * Pure: the request body and its checks; the push action sends it after the first commit.
 */
export type BranchProtectionInput = {
  protectDefaultBranch?: boolean;
  protectEnforceAdmins?: boolean;
  requireCodeOwnerReviews?: boolean;
  requiredApprovingReviewCount?: number;
  dismissStaleReviews?: boolean;
  requiredStatusCheckContexts?: string[];
  requireBranchesToBeUpToDate?: boolean;
  requiredConversationResolution?: boolean;
  requireLastPushApproval?: boolean;
  requiredCommitSigning?: boolean;
  requiredLinearHistory?: boolean;
  bypassPullRequestAllowances?: { users?: string[]; teams?: string[]; apps?: string[] };
  restrictions?: { users: string[]; teams: string[]; apps?: string[] };
};

export type BranchProtectionBody = {
  required_status_checks: { strict: boolean; contexts: string[] };
  enforce_admins: boolean;
  required_pull_request_reviews: {
    required_approving_review_count: number;
    require_code_owner_reviews: boolean;
    dismiss_stale_reviews: boolean;
    require_last_push_approval: boolean;
    bypass_pull_request_allowances?: { users?: string[]; teams?: string[]; apps?: string[] };
  };
  restrictions: { users: string[]; teams: string[]; apps?: string[] } | null;
  required_linear_history: boolean;
  required_conversation_resolution: boolean;
  block_creations: boolean;
};

/** The PUT …/branches/{branch}/protection body publish:github sends, or undefined when protection is off. */
export function branchProtectionBody(input: BranchProtectionInput): BranchProtectionBody | undefined {
  if (input.protectDefaultBranch === false) return undefined;
  return {
    required_status_checks: {
      strict: input.requireBranchesToBeUpToDate ?? true,
      contexts: input.requiredStatusCheckContexts ?? [],
    },
    enforce_admins: input.protectEnforceAdmins ?? true,
    required_pull_request_reviews: {
      required_approving_review_count: input.requiredApprovingReviewCount ?? 1,
      require_code_owner_reviews: input.requireCodeOwnerReviews ?? false,
      dismiss_stale_reviews: input.dismissStaleReviews ?? false,
      require_last_push_approval: input.requireLastPushApproval ?? false,
      ...(input.bypassPullRequestAllowances
        ? { bypass_pull_request_allowances: input.bypassPullRequestAllowances }
        : {}),
    },
    restrictions: input.restrictions ?? null,
    required_linear_history: input.requiredLinearHistory ?? false,
    required_conversation_resolution: input.requiredConversationResolution ?? false,
    block_creations: false,
  };
}

/** Refuses, before any request, what GitHub would refuse after the push. */
export function checkBranchProtection(input: BranchProtectionInput): void {
  const count = input.requiredApprovingReviewCount;
  if (count !== undefined && (!Number.isInteger(count) || count < 0 || count > 6)) {
    throw new InputError(`requiredApprovingReviewCount: must be a whole number from 0 to 6 (is ${count})`);
  }
  const contexts = input.requiredStatusCheckContexts ?? [];
  if (contexts.some(c => typeof c !== 'string' || c.trim() === '')) {
    throw new InputError('requiredStatusCheckContexts: every entry must be a non-empty status check name');
  }
}
