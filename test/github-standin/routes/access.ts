/**
 * Who else gets access to a repository: organisation teams and individual collaborators
 * (publish:github's `access` and `collaborators`).
 *
 * Failure modes:
 *  - a team that does not exist: 404 "Not Found" (GET team, PUT team repository);
 *  - a team of another organisation than the repository's owner: 422 (best guess of the wording);
 *  - a user that does not exist: 404;
 *  - the owner of a personal repository as its collaborator: 422 "Repository owner cannot be a collaborator";
 *  - a permission that is not pull/triage/push/maintain/admin: 422;
 *  - without admin rights on the repository: 403 (404 when it cannot be seen).
 * A user who is a member of the organisation becomes a collaborator at once (204); anyone else gets
 * an invitation (201 with the invitation). On a personal repository the permission is ignored
 * (collaborators there always get write access), as GitHub documents.
 */
import { Ctx, RouteTable } from '../context';
import { notFound, unprocessable } from '../errors';
import { renderInvitation, renderTeam, renderTeamFull } from '../render';
import { RepoRecord } from '../state';

const PERMISSIONS = ['pull', 'triage', 'push', 'maintain', 'admin'];

function checkPermission(permission: string): string {
  if (!PERMISSIONS.includes(permission)) {
    throw unprocessable('Validation Failed', [
      {
        resource: 'Repository',
        code: 'invalid',
        field: 'permission',
        message: `${permission} is not a valid permission`,
      },
    ]);
  }
  return permission;
}

function teamOf(ctx: Ctx) {
  const org = ctx.state.account(ctx.params.org);
  const team = org?.type === 'Organization' ? ctx.state.team(org.login, ctx.params.team_slug) : undefined;
  if (!team) throw notFound();
  return team;
}

function adminRepo(ctx: Ctx): RepoRecord {
  return ctx.state.repoForWrite(ctx.viewer, ctx.params.owner, ctx.params.repo, 'admin');
}

export const accessRoutes: RouteTable = {
  'GET /orgs/{org}/teams/{team_slug}': ctx => ({ status: 200, json: renderTeamFull(ctx.state, teamOf(ctx), ctx.urls) }),

  'PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}': ctx => {
    const team = teamOf(ctx);
    const repo = adminRepo(ctx);
    if (repo.owner.id !== team.org.id) {
      throw unprocessable('Validation Failed', [
        {
          resource: 'TeamMember',
          code: 'invalid',
          field: 'repository',
          message: 'Repository must be owned by the organization of the team',
        },
      ]);
    }
    const permission = checkPermission(ctx.body.permission ?? 'push');
    repo.extras.teams.set(team.slug, { team, permission });
    return { status: 204 };
  },

  'GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}': ctx => {
    const team = teamOf(ctx);
    const repo = ctx.state.repoForRead(ctx.viewer, ctx.params.owner, ctx.params.repo);
    if (!repo.extras.teams.has(team.slug)) throw notFound();
    return { status: 204 };
  },

  'GET /repos/{owner}/{repo}/teams': ctx => {
    const repo = ctx.state.repoForRead(ctx.viewer, ctx.params.owner, ctx.params.repo);
    return {
      status: 200,
      json: [...repo.extras.teams.values()].map(({ team, permission }) => renderTeam(team, permission, ctx.urls)),
    };
  },

  'PUT /repos/{owner}/{repo}/collaborators/{username}': ctx => {
    const repo = adminRepo(ctx);
    const user = ctx.state.account(ctx.params.username);
    if (!user || user.type === 'Organization') throw notFound();
    const personal = repo.owner.type === 'User';
    if (personal && user.id === repo.owner.id) throw unprocessable('Repository owner cannot be a collaborator');
    const permission = personal ? 'push' : checkPermission(ctx.body.permission ?? 'push');
    const key = user.login.toLowerCase();
    // every token user is a member of every configured organisation (see StandinState.canSee)
    const member = ctx.credentials.isTokenUser(user.login);
    if (repo.extras.collaborators.has(key) || (member && !personal)) {
      repo.extras.collaborators.set(key, { account: user, permission });
      return { status: 204 };
    }
    const invitation = repo.extras.invitations.get(key) ?? {
      id: ctx.state.id(),
      account: user,
      permission,
      createdAt: ctx.state.nowIso(),
    };
    invitation.permission = permission;
    repo.extras.invitations.set(key, invitation);
    return { status: 201, json: renderInvitation(repo, invitation, ctx.viewer.account, ctx.urls) };
  },
};
