import { ENVIRONMENTS, Environment, StatefulAppPolicy } from './platformPolicy';
import { componentNameProblems } from './resourceName';
import { formatBytes, parseDiskQuantity } from './quantity';
import { parseContainerPort } from './port';
import { parseMountPath } from './mountPath';
import { parseOwnerRef } from './owner';
import { parseDescription } from './description';
import { parseBaseDomain } from './baseDomain';

/** The form values the validate action checks, as they arrive (numbers may be strings). */
export type StatefulAppInput = {
  name: unknown;
  environment: unknown;
  replicas: unknown;
  storageSize: unknown;
  storageClass: unknown;
  mountPath: unknown;
  port: unknown;
  /** Optional here so the action also serves templates without an owner field. */
  owner?: unknown;
  description?: unknown;
  /** The platform's base domain (a template setting, not a form field); optional for templates without hosts. */
  baseDomain?: unknown;
};

export type StatefulAppValues = {
  name: string;
  environment: Environment;
  replicas: number;
  storageSize: string;
  storageBytes: number;
  storageClass: string;
  mountPath: string;
  port: number;
  owner?: string;
  description: string;
  baseDomain?: string;
};

/** One broken rule: which field, what value, and which rule it broke. */
export type FieldProblem = { field: keyof StatefulAppInput; value: unknown; rule: string };

export type StatefulAppValidation = { ok: true; values: StatefulAppValues } | { ok: false; problems: FieldProblem[] };

/** Checks every field and returns every problem at once, so the user fixes the form in one go. */
export function validateStatefulApp(input: StatefulAppInput, policy: StatefulAppPolicy): StatefulAppValidation {
  const problems: FieldProblem[] = [];
  const fail = (field: keyof StatefulAppInput, rule: string) => problems.push({ field, value: input[field], rule });

  for (const rule of componentNameProblems(input.name)) fail('name', rule);

  const environment = input.environment as Environment;
  if (!ENVIRONMENTS.includes(environment)) {
    fail('environment', `must be one of ${ENVIRONMENTS.join(', ')}`);
  }

  const replicas =
    typeof input.replicas === 'string' && /^\d+$/.test(input.replicas) ? Number(input.replicas) : input.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1 || replicas > policy.replicas.max) {
    fail('replicas', `must be a whole number from 1 to ${policy.replicas.max}`);
  }

  const size = parseDiskQuantity(input.storageSize);
  if (!size.ok) {
    fail('storageSize', size.reason);
  } else if (size.value.bytes < policy.storage.minBytes || size.value.bytes > policy.storage.maxBytes) {
    fail(
      'storageSize',
      `must be between ${policy.storage.min} and ${policy.storage.max} (is ${formatBytes(size.value.bytes)})`,
    );
  }

  if (typeof input.storageClass !== 'string' || !policy.storage.classes.includes(input.storageClass)) {
    fail('storageClass', `must be one of the platform's storage classes: ${policy.storage.classes.join(', ')}`);
  }

  const mountPath = parseMountPath(input.mountPath);
  if (!mountPath.ok) fail('mountPath', mountPath.reason);

  const port = parseContainerPort(input.port, policy.ports.denied);
  if (!port.ok) fail('port', port.reason);

  const owner = input.owner === undefined ? undefined : parseOwnerRef(input.owner);
  if (owner && !owner.ok) fail('owner', owner.reason);

  const description = parseDescription(input.description);
  if (!description.ok) fail('description', description.reason);

  const baseDomain =
    input.baseDomain === undefined
      ? undefined
      : parseBaseDomain(input.baseDomain, typeof input.name === 'string' ? input.name : undefined);
  if (baseDomain && !baseDomain.ok) fail('baseDomain', baseDomain.reason);

  if (
    problems.length > 0 ||
    !size.ok ||
    !mountPath.ok ||
    !port.ok ||
    !description.ok ||
    (owner && !owner.ok) ||
    (baseDomain && !baseDomain.ok)
  ) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    values: {
      name: input.name as string,
      environment,
      replicas: replicas as number,
      storageSize: size.value.canonical,
      storageBytes: Number(size.value.bytes),
      storageClass: input.storageClass as string,
      mountPath: mountPath.value,
      port: port.value,
      ...(owner ? { owner: owner.value } : {}),
      description: description.value,
      ...(baseDomain ? { baseDomain: baseDomain.value } : {}),
    },
  };
}

/** Renders a problem the way the user reads it: field, value, rule. */
export function describeProblem(problem: FieldProblem): string {
  return `${problem.field}: ${JSON.stringify(problem.value) ?? 'undefined'} ${problem.rule}`;
}
