import { Config } from '@backstage/config';
import { parseDiskQuantity } from './quantity';

export const ENVIRONMENTS = ['dev', 'test', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Platform limits for stateful apps, read from `goldenPath.statefulApp` in app-config. */
export type StatefulAppPolicy = {
  storage: { minBytes: bigint; maxBytes: bigint; min: string; max: string; classes: string[] };
  ports: { denied: number[] };
  replicas: { max: number };
};

/** gp3 EBS volumes range from 1 GiB to 16 TiB. */
export const DEFAULT_POLICY: StatefulAppPolicy = {
  storage: { min: '1Gi', max: '16Ti', minBytes: 2n ** 30n, maxBytes: 16n * 2n ** 40n, classes: ['gp3'] },
  ports: { denied: [] },
  replicas: { max: 9 },
};

/**
 * Reads the policy, failing at start-up (not at the first task) when an
 * operator wrote an invalid value.
 */
export function readStatefulAppPolicy(config?: Config): StatefulAppPolicy {
  const section = config?.getOptionalConfig('goldenPath.statefulApp');
  if (!section) return DEFAULT_POLICY;

  const bound = (key: string, fallback: string) => {
    const text = section.getOptionalString(key) ?? fallback;
    const parsed = parseDiskQuantity(text);
    if (!parsed.ok) {
      throw new Error(`goldenPath.statefulApp.${key}: "${text}" ${parsed.reason}`);
    }
    return { text: parsed.value.canonical, bytes: parsed.value.bytes };
  };
  const min = bound('storage.min', DEFAULT_POLICY.storage.min);
  const max = bound('storage.max', DEFAULT_POLICY.storage.max);
  if (min.bytes > max.bytes) {
    throw new Error(`goldenPath.statefulApp.storage: min ${min.text} is larger than max ${max.text}`);
  }
  const maxReplicas = section.getOptionalNumber('replicas.max') ?? DEFAULT_POLICY.replicas.max;
  if (!Number.isInteger(maxReplicas) || maxReplicas < 1) {
    throw new Error(`goldenPath.statefulApp.replicas.max must be a whole number of at least 1, got ${maxReplicas}`);
  }
  const classes = section.getOptionalStringArray('storage.classes') ?? DEFAULT_POLICY.storage.classes;
  if (classes.length === 0) {
    throw new Error('goldenPath.statefulApp.storage.classes must list at least one storage class');
  }
  return {
    storage: { min: min.text, max: max.text, minBytes: min.bytes, maxBytes: max.bytes, classes },
    ports: { denied: readPortList(section, 'ports.denied') },
    replicas: { max: maxReplicas },
  };
}

function readPortList(section: Config, key: string): number[] {
  const raw = section.getOptional<unknown>(key);
  if (raw === undefined) return DEFAULT_POLICY.ports.denied;
  if (!Array.isArray(raw) || raw.some(p => !Number.isInteger(p))) {
    throw new Error(`goldenPath.statefulApp.${key} must be a list of port numbers`);
  }
  return raw as number[];
}
