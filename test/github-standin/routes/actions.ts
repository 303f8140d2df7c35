/**
 * GitHub Actions settings of a repository: variables, secrets (sealed with the repository's public
 * key), the OIDC subject claim template and which outside workflows may use this one.
 *
 * Failure modes:
 *  - variable/secret names: letters, digits and underscores, not starting with a digit or GITHUB_
 *    (422, GitHub's rule); variable values up to 48 KB (422);
 *  - creating a variable that exists (names are case-insensitive): 409 "Already exists - Variable
 *    already exists"; updating or reading one that does not: 404;
 *  - a secret whose key_id is not the repository's current key, or whose encrypted_value is not a
 *    libsodium sealed box for that key: 422 (GitHub refuses these too; the wording is a best guess);
 *  - OIDC: use_default false without include_claim_keys, or a claim key with other characters than
 *    letters, digits and underscores: 422;
 *  - workflow access on a public repository, or 'organization' on a personal one: 422 (best guess);
 *  - variables and secrets need write access, OIDC and workflow access admin rights: 403 otherwise.
 */
import crypto from 'crypto';
import sodium from 'libsodium-wrappers';
import { Ctx, RouteTable } from '../context';
import { HttpError, notFound, unprocessable } from '../errors';
import { RepoRecord } from '../state';

const NAME_RULE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VARIABLE_BYTES = 48 * 1024;

function checkName(kind: 'Variable' | 'Secret', name: string): string {
  if (!NAME_RULE.test(name) || /^GITHUB_/i.test(name)) {
    throw unprocessable(
      `Invalid request.\n\n${kind} names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_), must not start with a number or with the GITHUB_ prefix.`,
    );
  }
  return name.toUpperCase();
}

function writableRepo(ctx: Ctx, level: 'write' | 'admin' = 'write'): RepoRecord {
  return ctx.state.repoForWrite(ctx.viewer, ctx.params.owner, ctx.params.repo, level);
}

/** The repository's Actions key pair, made on first use (libsodium is ready: startGithubStandin awaited it). */
export function secretKeyOf(repo: RepoRecord) {
  if (!repo.extras.secretKey) {
    const pair = sodium.crypto_box_keypair();
    const keyId = String(BigInt(`0x${crypto.randomBytes(8).toString('hex')}`) % 10n ** 18n);
    repo.extras.secretKey = { keyId, publicKey: pair.publicKey, privateKey: pair.privateKey };
  }
  return repo.extras.secretKey;
}

/** Opens a sealed box sent for this repository; undefined when it is not one. */
export function openSecret(repo: RepoRecord, encryptedValue: string): string | undefined {
  const key = secretKeyOf(repo);
  try {
    const sealed = sodium.from_base64(encryptedValue, sodium.base64_variants.ORIGINAL);
    return sodium.to_string(sodium.crypto_box_seal_open(sealed, key.publicKey, key.privateKey));
  } catch {
    return undefined;
  }
}

export const actionsRoutes: RouteTable = {
  'POST /repos/{owner}/{repo}/actions/variables': ctx => {
    const repo = writableRepo(ctx);
    const key = checkName('Variable', ctx.body.name);
    if (Buffer.byteLength(ctx.body.value) > MAX_VARIABLE_BYTES) {
      throw unprocessable('Invalid request.\n\nVariable value is too large (maximum is 48 KB).');
    }
    if (repo.extras.variables.has(key)) throw new HttpError(409, 'Already exists - Variable already exists');
    const now = ctx.state.nowIso();
    repo.extras.variables.set(key, { name: key, value: ctx.body.value, createdAt: now, updatedAt: now });
    return { status: 201, json: {} };
  },

  'PATCH /repos/{owner}/{repo}/actions/variables/{name}': ctx => {
    const repo = writableRepo(ctx);
    const variable = repo.extras.variables.get(ctx.params.name.toUpperCase());
    if (!variable) throw notFound();
    if (ctx.body.value !== undefined) {
      if (Buffer.byteLength(ctx.body.value) > MAX_VARIABLE_BYTES) {
        throw unprocessable('Invalid request.\n\nVariable value is too large (maximum is 48 KB).');
      }
      variable.value = ctx.body.value;
    }
    if (ctx.body.name !== undefined && ctx.body.name.toUpperCase() !== variable.name) {
      const renamed = checkName('Variable', ctx.body.name);
      if (repo.extras.variables.has(renamed)) throw new HttpError(409, 'Already exists - Variable already exists');
      repo.extras.variables.delete(variable.name);
      variable.name = renamed;
      repo.extras.variables.set(renamed, variable);
    }
    variable.updatedAt = ctx.state.nowIso();
    return { status: 204 };
  },

  'GET /repos/{owner}/{repo}/actions/variables/{name}': ctx => {
    const repo = writableRepo(ctx);
    const variable = repo.extras.variables.get(ctx.params.name.toUpperCase());
    if (!variable) throw notFound();
    return {
      status: 200,
      json: {
        name: variable.name,
        value: variable.value,
        created_at: variable.createdAt,
        updated_at: variable.updatedAt,
      },
    };
  },

  'GET /repos/{owner}/{repo}/actions/secrets/public-key': ctx => {
    const key = secretKeyOf(writableRepo(ctx));
    return {
      status: 200,
      json: { key_id: key.keyId, key: sodium.to_base64(key.publicKey, sodium.base64_variants.ORIGINAL) },
    };
  },

  'PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}': ctx => {
    const repo = writableRepo(ctx);
    const key = checkName('Secret', ctx.params.secret_name);
    if (ctx.body.key_id !== secretKeyOf(repo).keyId) {
      throw unprocessable('Invalid request.\n\nkey_id is not the current public key of the repository.');
    }
    if (openSecret(repo, ctx.body.encrypted_value) === undefined) {
      throw unprocessable('Invalid request.\n\nencrypted_value is not a sealed box for the repository public key.');
    }
    const now = ctx.state.nowIso();
    const existing = repo.extras.secrets.get(key);
    repo.extras.secrets.set(key, {
      name: key,
      encryptedValue: ctx.body.encrypted_value,
      keyId: ctx.body.key_id,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return existing ? { status: 204 } : { status: 201, json: {} };
  },

  'GET /repos/{owner}/{repo}/actions/secrets/{secret_name}': ctx => {
    const secret = writableRepo(ctx).extras.secrets.get(ctx.params.secret_name.toUpperCase());
    if (!secret) throw notFound();
    return { status: 200, json: { name: secret.name, created_at: secret.createdAt, updated_at: secret.updatedAt } };
  },

  'PUT /repos/{owner}/{repo}/actions/oidc/customization/sub': ctx => {
    const repo = writableRepo(ctx, 'admin');
    const { use_default: useDefault, include_claim_keys: keys } = ctx.body as {
      use_default: boolean;
      include_claim_keys?: string[];
    };
    if (!useDefault && !keys?.length) {
      throw unprocessable('Invalid request.\n\ninclude_claim_keys is required when use_default is false.');
    }
    const bad = (keys ?? []).filter(k => !/^[A-Za-z0-9_]+$/.test(k));
    if (bad.length) {
      throw unprocessable(
        `Invalid request.\n\nInvalid claim keys: ${bad.join(', ')}. Use letters, digits and underscores.`,
      );
    }
    repo.extras.oidc = useDefault ? { use_default: true } : { use_default: false, include_claim_keys: [...keys!] };
    return { status: 201, json: {} };
  },

  'GET /repos/{owner}/{repo}/actions/oidc/customization/sub': ctx => {
    const repo = ctx.state.repoForRead(ctx.viewer, ctx.params.owner, ctx.params.repo);
    return { status: 200, json: { ...repo.extras.oidc } };
  },

  'PUT /repos/{owner}/{repo}/actions/permissions/access': ctx => {
    const repo = writableRepo(ctx, 'admin');
    const level = ctx.body.access_level as 'none' | 'user' | 'organization';
    if (!repo.private) {
      throw unprocessable('Invalid request.\n\nWorkflow access can only be set on private or internal repositories.');
    }
    if (level === 'organization' && repo.owner.type !== 'Organization') {
      throw unprocessable("Invalid request.\n\nAccess level 'organization' needs a repository an organization owns.");
    }
    repo.extras.workflowAccess = level;
    return { status: 204 };
  },

  'GET /repos/{owner}/{repo}/actions/permissions/access': ctx => ({
    status: 200,
    json: { access_level: writableRepo(ctx, 'admin').extras.workflowAccess },
  }),
};
