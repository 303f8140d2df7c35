import { Config } from '@backstage/config';
import { z } from 'zod';
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

const CONFIG_KEY = 'goldenPath.statefulApp';

/** Numbers in app-config may arrive as strings (`${ENV_VAR}` substitution), as Backstage's getNumber accepts. */
export const configNumber = z.preprocess(
  value => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value),
  z.number().finite(),
);

const diskQuantity = z.string().transform((text, ctx) => {
  const parsed = parseDiskQuantity(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" ${parsed.reason}` });
    return z.NEVER;
  }
  return parsed.value;
});

const policySchema = z
  .object({
    storage: z
      .object({
        min: diskQuantity.default(DEFAULT_POLICY.storage.min),
        max: diskQuantity.default(DEFAULT_POLICY.storage.max),
        classes: z
          .array(z.string().min(1))
          .min(1, 'must list at least one storage class')
          .default(DEFAULT_POLICY.storage.classes),
      })
      .strict()
      .default({})
      .refine(
        s => s.min.bytes <= s.max.bytes,
        s => ({
          message: `min ${s.min.canonical} is larger than max ${s.max.canonical}`,
        }),
      ),
    ports: z
      .object({
        denied: z
          .array(configNumber.pipe(z.number().int('must be a port number')))
          .default(DEFAULT_POLICY.ports.denied),
      })
      .strict()
      .default({}),
    replicas: z
      .object({
        max: configNumber
          .pipe(z.number().int('must be a whole number').min(1, 'must be a whole number of at least 1'))
          .default(DEFAULT_POLICY.replicas.max),
      })
      .strict()
      .default({}),
  })
  .strict();

/**
 * Reads the policy, failing at start-up (not at the first task) when an
 * operator wrote an invalid value; the error names the key and the rule.
 */
export function readStatefulAppPolicy(config?: Config): StatefulAppPolicy {
  const raw = config?.getOptional<unknown>(CONFIG_KEY) ?? {};
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(describeConfigIssues(CONFIG_KEY, parsed.error));
  }
  const { storage, ports, replicas } = parsed.data;
  return {
    storage: {
      min: storage.min.canonical,
      max: storage.max.canonical,
      minBytes: storage.min.bytes,
      maxBytes: storage.max.bytes,
      classes: storage.classes,
    },
    ports: { denied: ports.denied },
    replicas: { max: replicas.max },
  };
}

/** `goldenPath.statefulApp.storage.min: "10GB" unit "GB" is not …`, one line per broken key. */
export function describeConfigIssues(prefix: string, error: z.ZodError): string {
  return error.issues.map(issue => `${[prefix, ...issue.path].join('.')}: ${issue.message}`).join('\n');
}
