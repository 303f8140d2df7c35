/**
 * GitHub App authentication (stretch): the app's JWT lists installations and mints installation
 * tokens; the installation token then acts with the installation's permissions. This is the path
 * Backstage's GithubAppManager takes (apps.listInstallations → apps.createInstallationAccessToken,
 * and installation/repositories when the installation has selected repositories).
 */
import { InstallationRecord } from '../auth';
import { Ctx, RouteTable } from '../context';
import { HttpError, notFound } from '../errors';
import { Urls, renderRepo, renderSimpleUser } from '../render';

function renderInstallation(i: InstallationRecord, u: Urls) {
  return {
    id: i.id,
    account: renderSimpleUser(i.account, u),
    repository_selection: i.repositorySelection,
    access_tokens_url: `${u.api}/app/installations/${i.id}/access_tokens`,
    repositories_url: `${u.api}/installation/repositories`,
    html_url: `${u.web}/${i.account.type === 'Organization' ? `organizations/${i.account.login}/` : ''}settings/installations/${i.id}`,
    app_id: i.app.id,
    app_slug: i.app.slug,
    target_id: i.account.id,
    target_type: i.account.type,
    permissions: { ...i.permissions },
    events: [],
    created_at: i.createdAt,
    updated_at: i.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: i.suspended ? renderSimpleUser(i.app.owner, u) : null,
    suspended_at: i.suspended ? i.createdAt : null,
  };
}

function app(ctx: Ctx) {
  if (ctx.caller.kind !== 'app') throw new HttpError(401, 'A JSON web token could not be decoded');
  return ctx.caller.app;
}

function installationFor(ctx: Ctx, login: string): InstallationRecord {
  const installation = app(ctx).installations.find(i => i.account.login.toLowerCase() === login.toLowerCase());
  if (!installation) throw notFound();
  return installation;
}

export const appRoutes: RouteTable = {
  'GET /app': ctx => {
    const a = app(ctx);
    return {
      status: 200,
      json: {
        id: a.id,
        slug: a.slug,
        node_id: `A_kwDO${Buffer.from(String(a.id)).toString('base64url')}`,
        client_id: `Iv1.${a.id.toString(16).padStart(16, '0')}`,
        owner: renderSimpleUser(a.owner, ctx.urls),
        name: a.slug,
        description: null,
        external_url: ctx.urls.web,
        html_url: `${ctx.urls.web}/apps/${a.slug}`,
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-01-01T00:00:00Z',
        permissions: {},
        events: [],
        installations_count: a.installations.length,
      },
    };
  },

  'GET /app/installations': ctx => ({
    status: 200,
    json: app(ctx).installations.map(i => renderInstallation(i, ctx.urls)),
  }),

  'GET /app/installations/{installation_id}': ctx => {
    const i = app(ctx).installations.find(x => x.id === Number(ctx.params.installation_id));
    if (!i) throw notFound();
    return { status: 200, json: renderInstallation(i, ctx.urls) };
  },

  'POST /app/installations/{installation_id}/access_tokens': ctx => {
    const i = app(ctx).installations.find(x => x.id === Number(ctx.params.installation_id));
    if (!i) throw notFound();
    if (i.suspended) throw new HttpError(403, 'This installation has been suspended');
    const { token, expiresAt } = ctx.credentials.mintInstallationToken(i);
    // narrowing the token (repositories / permissions in the body) is not modelled
    return {
      status: 201,
      json: {
        token,
        expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { ...i.permissions },
        repository_selection: i.repositorySelection,
      },
    };
  },

  'GET /repos/{owner}/{repo}/installation': ctx => {
    const installation = installationFor(ctx, ctx.params.owner);
    const repo = ctx.state.findRepo(ctx.params.owner, ctx.params.repo);
    if (
      !repo ||
      (installation.repositorySelection === 'selected' && !installation.repositories.includes(repo.name.toLowerCase()))
    )
      throw notFound();
    return { status: 200, json: renderInstallation(installation, ctx.urls) };
  },

  'GET /orgs/{org}/installation': ctx => ({
    status: 200,
    json: renderInstallation(installationFor(ctx, ctx.params.org), ctx.urls),
  }),

  'GET /users/{username}/installation': ctx => ({
    status: 200,
    json: renderInstallation(installationFor(ctx, ctx.params.username), ctx.urls),
  }),

  'GET /installation/repositories': ctx => {
    const inst = ctx.viewer.installation;
    if (!inst)
      throw new HttpError(
        403,
        'You must authenticate with an installation access token in order to list repositories for an installation.',
      );
    const repos = ctx.state.allRepos().filter(r => r.owner.id === inst.account.id && ctx.state.canSee(ctx.viewer, r));
    return {
      status: 200,
      json: {
        total_count: repos.length,
        repository_selection: inst.repositorySelection,
        repositories: repos.map(r => renderRepo(r, ctx.viewer, ctx.urls)),
      },
    };
  },
};
