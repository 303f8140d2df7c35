import { InputError } from '@backstage/errors';
import sodium from 'libsodium-wrappers';

/**
 * GitHub Actions settings of a new repository (publish:github's repoVariables, secrets,
 * oidcCustomization, workflowAccess): input checks and the one piece of cryptography GitHub asks
 * for. Pure apart from libsodium's start-up.
 */

/** GitHub's rule for Actions variable and secret names. */
const ACTIONS_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLAIM_KEY = /^[A-Za-z0-9_]+$/;
const MAX_VARIABLE_BYTES = 48 * 1024;
const MAX_SECRET_BYTES = 48 * 1024;

export type OidcCustomization = { useDefault?: boolean; includeClaimKeys?: string[] };
export const WORKFLOW_ACCESS_LEVELS = ['none', 'user', 'organization'] as const;
export type WorkflowAccess = (typeof WORKFLOW_ACCESS_LEVELS)[number];

function checkName(field: string, name: string): void {
  if (!ACTIONS_NAME.test(name) || /^GITHUB_/i.test(name)) {
    throw new InputError(
      `${field}: ${JSON.stringify(name)} is not a valid name (letters, digits and underscores, not starting with a digit or GITHUB_)`,
    );
  }
}

/** Names and sizes GitHub would refuse, before anything is created. Secret values are never echoed. */
export function checkActionsSettings(input: {
  repoVariables?: Record<string, string>;
  secrets?: Record<string, string>;
  oidcCustomization?: OidcCustomization;
  workflowAccess?: string;
}): void {
  const seen = new Map<string, string>();
  for (const [field, record] of [
    ['repoVariables', input.repoVariables],
    ['secrets', input.secrets],
  ] as const) {
    for (const [name, value] of Object.entries(record ?? {})) {
      checkName(field, name);
      const key = `${field}:${name.toUpperCase()}`;
      if (seen.has(key)) throw new InputError(`${field}: ${seen.get(key)} and ${name} are the same name to GitHub`);
      seen.set(key, name);
      if (typeof value !== 'string') throw new InputError(`${field}.${name}: must be a string`);
      const max = field === 'secrets' ? MAX_SECRET_BYTES : MAX_VARIABLE_BYTES;
      if (Buffer.byteLength(value) > max) throw new InputError(`${field}.${name}: at most ${max / 1024} KB`);
    }
  }
  const oidc = input.oidcCustomization;
  if (oidc) {
    const useDefault = oidc.useDefault ?? true;
    if (useDefault && oidc.includeClaimKeys?.length) {
      throw new InputError('oidcCustomization: includeClaimKeys must not be set when useDefault is true');
    }
    if (!useDefault && !oidc.includeClaimKeys?.length) {
      throw new InputError('oidcCustomization: includeClaimKeys is required when useDefault is false');
    }
    const bad = (oidc.includeClaimKeys ?? []).filter(k => !CLAIM_KEY.test(k));
    if (bad.length) {
      throw new InputError(
        `oidcCustomization.includeClaimKeys: ${bad.map(k => JSON.stringify(k)).join(', ')} may only hold letters, digits and underscores`,
      );
    }
  }
  if (input.workflowAccess !== undefined && !WORKFLOW_ACCESS_LEVELS.includes(input.workflowAccess as WorkflowAccess)) {
    throw new InputError(`workflowAccess: must be one of ${WORKFLOW_ACCESS_LEVELS.join(', ')}`);
  }
}

/**
 * Encrypts a secret for GitHub: a libsodium sealed box (X25519 + XSalsa20-Poly1305, a fresh
 * ephemeral key each time) for the repository's public key, base64 encoded, as GitHub documents
 * and publish:github does. Only the holder of the repository's private key (GitHub) can open it.
 */
export async function sealSecret(publicKeyBase64: string, value: string): Promise<string> {
  await sodium.ready;
  const key = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), key);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
