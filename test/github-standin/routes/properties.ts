/**
 * Custom properties (organisation repositories only) and the caller's watch subscription.
 *
 * Custom properties come with the create request (`custom_properties`) or through
 * PATCH /repos/{owner}/{repo}/properties/values. Failure modes:
 *  - a property the organisation does not define, a value outside its allowed values, a list for a
 *    single-value property, or "true"/"false" expected: 422 "Validation Failed" naming the property
 *    (best guess of the wording);
 *  - a required property without a default, left out at creation: 422;
 *  - on a personal repository: 422 (there is nothing to define them).
 */
import { RouteTable } from '../context';
import { HttpError, unprocessable } from '../errors';
import { Account, RepoRecord, StandinState } from '../state';

type Value = string | string[] | null;

function invalid(name: string, message: string): HttpError {
  return unprocessable('Validation Failed', [{ resource: 'CustomProperty', code: 'invalid', field: name, message }]);
}

/** Checks values against the organisation's definitions; with `creating`, fills defaults and requires the required ones. */
export function checkCustomProperties(
  state: StandinState,
  owner: Account,
  values: Record<string, Value>,
  creating: boolean,
): Map<string, Value> {
  if (owner.type !== 'Organization') {
    if (Object.keys(values).length)
      throw invalid('custom_properties', 'Only organization repositories have custom properties');
    return new Map();
  }
  const definitions = state.propertySchema(owner.login);
  const out = new Map<string, Value>();
  for (const [name, value] of Object.entries(values)) {
    const def = definitions.find(d => d.name === name);
    if (!def) throw invalid(name, `${name} is not a custom property of ${owner.login}`);
    if (value === null) {
      if (def.required) throw invalid(name, `${name} is required`);
      out.set(name, null);
      continue;
    }
    const list = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) !== (def.valueType === 'multi_select')) {
      throw invalid(name, `${name} takes ${def.valueType === 'multi_select' ? 'a list of values' : 'one value'}`);
    }
    const allowed = def.valueType === 'true_false' ? ['true', 'false'] : def.allowedValues;
    const bad = allowed ? list.filter(v => !allowed.includes(v)) : [];
    if (bad.length) throw invalid(name, `${bad.join(', ')} is not an allowed value of ${name}`);
    out.set(name, value);
  }
  if (creating) {
    for (const def of definitions) {
      if (out.has(def.name)) continue;
      if (def.defaultValue !== undefined && def.defaultValue !== null) out.set(def.name, def.defaultValue);
      else if (def.required) throw invalid(def.name, `${def.name} is required`);
    }
  }
  return out;
}

function renderValues(repo: RepoRecord) {
  return [...repo.extras.customProperties].map(([property_name, value]) => ({ property_name, value }));
}

export const propertyRoutes: RouteTable = {
  'PATCH /repos/{owner}/{repo}/properties/values': ctx => {
    const repo = ctx.state.repoForWrite(ctx.viewer, ctx.params.owner, ctx.params.repo, 'admin');
    const given = Object.fromEntries(
      (ctx.body.properties as Array<{ property_name: string; value: Value }>).map(p => [p.property_name, p.value]),
    );
    for (const [name, value] of checkCustomProperties(ctx.state, repo.owner, given, false)) {
      if (value === null) repo.extras.customProperties.delete(name);
      else repo.extras.customProperties.set(name, value);
    }
    return { status: 204 };
  },

  'GET /repos/{owner}/{repo}/properties/values': ctx => ({
    status: 200,
    json: renderValues(ctx.state.repoForRead(ctx.viewer, ctx.params.owner, ctx.params.repo)),
  }),

  'PUT /repos/{owner}/{repo}/subscription': ctx => {
    if (ctx.viewer.installation) throw new HttpError(403, 'Resource not accessible by integration');
    const repo = ctx.state.repoForRead(ctx.viewer, ctx.params.owner, ctx.params.repo);
    const subscription = {
      subscribed: ctx.body.subscribed === true,
      ignored: ctx.body.ignored === true,
      createdAt: repo.extras.subscription?.createdAt ?? ctx.state.nowIso(),
    };
    repo.extras.subscription = subscription;
    const url = `${ctx.urls.api}/repos/${repo.owner.login}/${repo.name}`;
    return {
      status: 200,
      json: {
        subscribed: subscription.subscribed,
        ignored: subscription.ignored,
        reason: null,
        created_at: subscription.createdAt,
        url: `${url}/subscription`,
        repository_url: url,
      },
    };
  },
};
