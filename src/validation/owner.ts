import {
  CommonValidatorFunctions,
  KubernetesValidatorFunctions,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { RuleResult } from './result';

export const OWNER_KINDS = ['group', 'user'] as const;

/**
 * Checks an owner the way the catalog will, before anything is created:
 * a Group or User reference whose parts are valid entity names.
 * Outputs the full reference (`group:default/platform-team`).
 */
export function parseOwnerRef(raw: unknown): RuleResult<string> {
  if (typeof raw !== 'string' || raw === '') {
    return { ok: false, reason: 'is required (a Group or User, e.g. group:default/platform-team)' };
  }
  let ref;
  try {
    ref = parseEntityRef(raw, { defaultKind: 'group', defaultNamespace: 'default' });
  } catch {
    return { ok: false, reason: 'is not an entity reference such as group:default/platform-team' };
  }
  if (!(OWNER_KINDS as readonly string[]).includes(ref.kind.toLocaleLowerCase('en-US'))) {
    return { ok: false, reason: `must be a Group or User, not a ${ref.kind}` };
  }
  if (!CommonValidatorFunctions.isValidDnsLabel(ref.namespace)) {
    return { ok: false, reason: `has an invalid namespace "${ref.namespace}" (a DNS label)` };
  }
  if (!KubernetesValidatorFunctions.isValidObjectName(ref.name)) {
    return {
      ok: false,
      reason: `has an invalid name "${ref.name}": letters, digits, "-", "_" and "." only, at most 63 characters`,
    };
  }
  return {
    ok: true,
    value: stringifyEntityRef({ ...ref, kind: ref.kind.toLocaleLowerCase('en-US') }),
  };
}
