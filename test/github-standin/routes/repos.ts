/** Repository creation, metadata, settings and topics. */
import { Ctx, RouteTable } from '../context';
import { declaredBodyKeys } from '../openapi';
import { HttpError, notFound, unprocessable } from '../errors';
import { renderRepo } from '../render';
import { Account, DEFAULT_SETTINGS, RepoRecord, requireScope } from '../state';
import { checkCustomProperties } from './properties';

/** GitHub turns every character outside [A-Za-z0-9._-] into '-' (e.g. "my app" → "my-app"). */
export function normalizeRepoName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '-');
}

function creationFailed(field: string, code: string, message?: string): HttpError {
  return unprocessable('Repository creation failed.', [
    { resource: 'Repository', code, field, ...(message ? { message } : {}) },
  ]);
}

function validName(raw: string): string {
  const name = normalizeRepoName(raw.trim());
  if (name === '') throw creationFailed('name', 'missing_field');
  if (name === '.' || name === '..') throw creationFailed('name', 'custom', 'name is invalid');
  if (name.length > 100) throw creationFailed('name', 'custom', 'name is too long (maximum is 100 characters)');
  return name;
}

/** The settings in `body` that this operation documents (GitHub ignores the others, e.g. allow_update_branch on create). */
function pickSettings(ctx: Ctx, body: Record<string, unknown>): Record<string, boolean | string> {
  const out: Record<string, boolean | string> = {};
  const declared = declaredBodyKeys(ctx.operation);
  for (const key of Object.keys(DEFAULT_SETTINGS)) {
    if (!declared.has(key)) continue;
    const v = body[key];
    if (typeof v === 'boolean' || typeof v === 'string') out[key] = v;
  }
  return out;
}

function createRepo(ctx: Ctx, owner: Account) {
  const { viewer, state, body, urls } = ctx;
  const visibility: RepoRecord['visibility'] = body.visibility ?? (body.private ? 'private' : 'public');
  if (visibility === 'internal' && owner.type !== 'Organization') {
    throw creationFailed('visibility', 'custom', 'visibility can only be internal for organization repositories');
  }
  const inst = viewer.installation;
  if (inst) {
    // installations create repositories only in the account they are installed on
    if (inst.account.id !== owner.id || owner.type !== 'Organization' || inst.permissions.administration !== 'write') {
      throw new HttpError(403, 'Resource not accessible by integration');
    }
  } else {
    requireScope(viewer, visibility !== 'public');
    if (viewer.permission === 'read') throw new HttpError(403, 'Resource not accessible by personal access token');
  }
  const name = validName(String(body.name));
  if (state.findRepo(owner.login, name)) throw creationFailed('name', 'custom', 'name already exists on this account');
  const customProperties = checkCustomProperties(state, owner, body.custom_properties ?? {}, true);
  const repo = state.createRepo(
    owner,
    {
      name,
      description: body.description,
      homepage: body.homepage,
      visibility,
      isTemplate: body.is_template,
      settings: pickSettings(ctx, body),
    },
    viewer.account,
    body.auto_init === true,
  );
  repo.extras.customProperties = customProperties;
  // a repository an app creates joins the installation's selected repositories
  if (inst?.repositorySelection === 'selected') inst.repositories.push(repo.name.toLowerCase());
  const json = renderRepo(repo, viewer, urls);
  return { status: 201, json, headers: { location: json.url } };
}

function validTopics(names: string[]): string[] {
  const topics = [...new Set(names.map(n => n.trim().toLowerCase()))].filter(n => n !== '');
  const bad = topics.filter(t => !/^[a-z0-9][a-z0-9-]{0,49}$/.test(t));
  if (bad.length || topics.length > 20) {
    throw unprocessable('Validation Failed', [
      {
        resource: 'Repository',
        field: 'topics',
        code: 'invalid',
        message:
          topics.length > 20
            ? 'A repository cannot have more than 20 topics.'
            : `${bad.map(b => `"${b}"`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not a valid topic. Topics must start with a lowercase letter or number, consist of 50 characters or less, and can include hyphens.`,
      },
    ]);
  }
  return topics;
}

export const repoRoutes: RouteTable = {
  'POST /orgs/{org}/repos': ctx => {
    const org = ctx.state.account(ctx.params.org);
    if (!org || org.type !== 'Organization') throw notFound();
    return createRepo(ctx, org);
  },

  'POST /user/repos': ctx => {
    if (ctx.viewer.installation) throw new HttpError(403, 'Resource not accessible by integration');
    return createRepo(ctx, ctx.viewer.account);
  },

  'GET /repos/{owner}/{repo}': ({ params, state, viewer, urls }) => ({
    status: 200,
    json: renderRepo(state.repoForRead(viewer, params.owner, params.repo), viewer, urls),
  }),

  'PATCH /repos/{owner}/{repo}': ctx => {
    const { params, state, viewer, urls, body } = ctx;
    const repo = state.repoForWrite(viewer, params.owner, params.repo, 'admin');
    if (body.default_branch !== undefined && body.default_branch !== repo.defaultBranch) {
      if (repo.git.isEmpty()) {
        throw unprocessable('Validation Failed', [
          {
            resource: 'Repository',
            code: 'invalid',
            field: 'default_branch',
            message: 'Cannot update default branch for an empty repository. Please init the repository and push first.',
          },
        ]);
      }
      if (!repo.git.readRef(`refs/heads/${body.default_branch}`)) {
        throw unprocessable('Validation Failed', [
          {
            resource: 'Repository',
            code: 'invalid',
            field: 'default_branch',
            message: `The branch ${body.default_branch} was not found. Please push that ref first or create it via the Git Data API.`,
          },
        ]);
      }
      repo.defaultBranch = body.default_branch;
      repo.git.setHead(repo.defaultBranch); // so that `git clone` checks out the new default
    }
    if (body.name !== undefined && body.name !== repo.name) {
      const name = validName(body.name);
      const clash = state.findRepo(repo.owner.login, name);
      if (clash && clash !== repo)
        throw unprocessable('Validation Failed', [
          { resource: 'Repository', code: 'custom', field: 'name', message: 'name already exists on this account' },
        ]);
      state.renameRepo(repo, name);
    }
    if (body.description !== undefined) repo.description = body.description || null;
    if (body.homepage !== undefined) repo.homepage = body.homepage || null;
    if (body.visibility !== undefined || body.private !== undefined) {
      const visibility = body.visibility ?? (body.private ? 'private' : 'public');
      if (visibility === 'internal' && repo.owner.type !== 'Organization') {
        throw unprocessable('Validation Failed', [{ resource: 'Repository', code: 'invalid', field: 'visibility' }]);
      }
      repo.visibility = visibility;
      repo.private = visibility !== 'public';
    }
    if (typeof body.archived === 'boolean') repo.archived = body.archived;
    if (typeof body.is_template === 'boolean') repo.isTemplate = body.is_template;
    Object.assign(repo.settings, pickSettings(ctx, body));
    repo.updatedAt = state.nowIso();
    return { status: 200, json: renderRepo(repo, viewer, urls) };
  },

  'DELETE /repos/{owner}/{repo}': ({ params, state, viewer }) => {
    const repo = state.repoForWrite(viewer, params.owner, params.repo, 'admin');
    // classic tokens need the separate delete_repo scope
    if (!viewer.installation && !viewer.scopes.includes('delete_repo'))
      throw new HttpError(403, 'Must have admin rights to Repository.');
    state.deleteRepo(repo);
    return { status: 204 };
  },

  'GET /repos/{owner}/{repo}/topics': ({ params, state, viewer }) => ({
    status: 200,
    json: { names: [...state.repoForRead(viewer, params.owner, params.repo).topics] },
  }),

  'PUT /repos/{owner}/{repo}/topics': ({ params, state, viewer, body }) => {
    const repo = state.repoForWrite(viewer, params.owner, params.repo, 'admin');
    repo.topics = validTopics(body.names);
    repo.updatedAt = state.nowIso();
    return { status: 200, json: { names: [...repo.topics] } };
  },
};
