/**
 * Branch protection (classic): what publish:github and goldenpath:github:push set on the default
 * branch after the first commit, and what it then refuses.
 *
 * Failure modes, as GitHub documents or is widely reported to answer them:
 *  - a private repository of an account on the free plan: 403 "Upgrade to GitHub Pro or make this
 *    repository public to enable this feature." (the string publish:github matches on);
 *  - a branch that does not exist: 404 "Branch not found";
 *  - user/team/app restrictions or bypass lists on a repository a user owns: 422 "Only organization
 *    repositories can have users and team restrictions";
 *  - a user or team in those lists that does not exist: 422 "Validation Failed" naming them (best guess
 *    of the wording);
 *  - required_approving_review_count outside 0..6: 422 (the documented range);
 *  - without admin rights: 403, or 404 when the repository cannot be seen.
 * A protected branch then refuses API updates: a ref update that is forced or, with required reviews
 * or status checks, any ref update (422 "Protected branch update failed for refs/heads/<b>."), its
 * deletion (422 "Cannot delete this protected branch") and Contents API writes (409 "Changes must be
 * made through a pull request."). enforce_admins false lets admins through.
 */
import { Ctx, RouteTable } from '../context';
import { HttpError, conflict, notFound, unprocessable } from '../errors';
import { renderProtection } from '../render';
import { RepoRecord, Viewer } from '../state';

const UPGRADE = 'Upgrade to GitHub Pro or make this repository public to enable this feature.';

function protectableRepo(ctx: Ctx): RepoRecord {
  const repo = ctx.state.repoForWrite(ctx.viewer, ctx.params.owner, ctx.params.repo, 'admin');
  if (repo.private && repo.owner.plan === 'free') throw new HttpError(403, UPGRADE);
  return repo;
}

function existingBranch(repo: RepoRecord, branch: string): string {
  if (!repo.git.readRef(`refs/heads/${branch}`)) throw notFound('Branch not found');
  return branch;
}

function checkPrincipals(ctx: Ctx, repo: RepoRecord, lists: Array<{ users?: string[]; teams?: string[] } | null>) {
  const given = lists.filter((l): l is { users?: string[]; teams?: string[] } => !!l);
  const named = given.some(l => (l.users?.length ?? 0) + (l.teams?.length ?? 0) > 0);
  if (named && repo.owner.type !== 'Organization') {
    throw unprocessable('Only organization repositories can have users and team restrictions');
  }
  const unknownUsers = given.flatMap(l => l.users ?? []).filter(login => !ctx.state.account(login));
  const unknownTeams = given.flatMap(l => l.teams ?? []).filter(slug => !ctx.state.team(repo.owner.login, slug));
  if (unknownUsers.length || unknownTeams.length) {
    throw unprocessable('Validation Failed', [
      ...(unknownUsers.length
        ? [
            {
              resource: 'ProtectedBranch',
              code: 'invalid',
              field: 'users',
              message: `Unknown users: ${unknownUsers.join(', ')}`,
            },
          ]
        : []),
      ...(unknownTeams.length
        ? [
            {
              resource: 'ProtectedBranch',
              code: 'invalid',
              field: 'teams',
              message: `Unknown teams: ${unknownTeams.join(', ')}`,
            },
          ]
        : []),
    ]);
  }
}

/** Whether a protected branch refuses this update (undefined: allowed). */
export function protectionRefusal(
  repo: RepoRecord,
  branch: string,
  viewer: Viewer,
  change: 'update' | 'force' | 'delete' | 'contents',
): HttpError | undefined {
  const stored = repo.extras.protection.get(branch);
  if (!stored) return undefined;
  const isAdmin = viewer.permission === 'admin' || viewer.installation?.permissions.administration === 'write';
  if (isAdmin && stored.body.enforce_admins !== true) return undefined;
  if (change === 'delete' && stored.body.allow_deletions !== true) {
    return unprocessable('Cannot delete this protected branch');
  }
  if (change === 'contents') return conflict('Changes must be made through a pull request.');
  const gated =
    !!stored.body.required_pull_request_reviews || (stored.body.required_status_checks?.contexts ?? []).length > 0;
  if ((change === 'force' && stored.body.allow_force_pushes !== true) || gated) {
    return unprocessable(`Protected branch update failed for refs/heads/${branch}.`);
  }
  return undefined;
}

export const protectionRoutes: RouteTable = {
  'PUT /repos/{owner}/{repo}/branches/{branch}/protection': ctx => {
    const repo = protectableRepo(ctx);
    const branch = existingBranch(repo, ctx.params.branch);
    const body = ctx.body as Record<string, any>;
    const reviews = body.required_pull_request_reviews;
    const count = reviews?.required_approving_review_count;
    if (count !== undefined && (count < 0 || count > 6)) {
      throw unprocessable(
        `Invalid request.\n\nFor 'properties/required_approving_review_count', ${count} must be between 0 and 6.`,
      );
    }
    checkPrincipals(ctx, repo, [
      body.restrictions,
      reviews?.bypass_pull_request_allowances ?? null,
      reviews?.dismissal_restrictions ?? null,
    ]);
    const previous = repo.extras.protection.get(branch);
    const stored = { body: structuredClone(body), requiredSignatures: previous?.requiredSignatures ?? false };
    repo.extras.protection.set(branch, stored);
    return { status: 200, json: renderProtection(ctx.state, repo, branch, stored, ctx.urls) };
  },

  'GET /repos/{owner}/{repo}/branches/{branch}/protection': ctx => {
    const repo = protectableRepo(ctx);
    const stored = repo.extras.protection.get(existingBranch(repo, ctx.params.branch));
    if (!stored) throw notFound('Branch not protected');
    const { url: _u, ...rest } = renderProtection(ctx.state, repo, ctx.params.branch, stored, ctx.urls);
    return { status: 200, json: { url: _u, name: ctx.params.branch, enabled: true, protection_url: _u, ...rest } };
  },

  'DELETE /repos/{owner}/{repo}/branches/{branch}/protection': ctx => {
    const repo = protectableRepo(ctx);
    if (!repo.extras.protection.delete(existingBranch(repo, ctx.params.branch))) throw notFound('Branch not protected');
    return { status: 204 };
  },

  'POST /repos/{owner}/{repo}/branches/{branch}/protection/required_signatures': ctx => {
    const repo = protectableRepo(ctx);
    const branch = existingBranch(repo, ctx.params.branch);
    const stored = repo.extras.protection.get(branch);
    if (!stored) throw notFound('Branch not protected');
    stored.requiredSignatures = true;
    const url = `${ctx.urls.api}/repos/${repo.owner.login}/${repo.name}/branches/${encodeURIComponent(branch)}/protection/required_signatures`;
    return { status: 200, json: { url, enabled: true } };
  },
};
