import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { DEFAULT_POLICY, StatefulAppPolicy } from '../validation/platformPolicy';
import { describeProblem, validateStatefulApp } from '../validation/statefulApp';

export const VALIDATE_ACTION_ID = 'goldenpath:stateful:validate';

/**
 * Checks the Create form's values against the platform's rules before
 * anything is created, and outputs them normalised for the skeleton.
 *
 * The rules run in the handler rather than in the zod schema: the scaffolder
 * validates input against the JSON schema converted from zod, where
 * refinements and transforms are lost.
 */
export type ValidateStatefulAppActionOptions = {
  /** The platform's limits; defaults to DEFAULT_POLICY (gp3 volumes, 1 to 9 replicas). */
  policy?: StatefulAppPolicy;
};

export function createValidateStatefulAppAction(options: ValidateStatefulAppActionOptions = {}) {
  const policy = options.policy ?? DEFAULT_POLICY;
  return createTemplateAction({
    id: VALIDATE_ACTION_ID,
    description:
      'Validates the Stateful App form values (name, storage, port, mount path, replicas, environment) and outputs them normalised. Reports every problem at once.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Validate the form values before rendering the skeleton',
        example: [
          'steps:',
          '  - id: validate',
          '    name: Validate inputs',
          '    action: goldenpath:stateful:validate',
          '    input:',
          '      name: ${{ parameters.component_id }}',
          '      environment: ${{ parameters.environment }}',
          '      replicas: ${{ parameters.replicas }}',
          '      storageSize: ${{ parameters.storageSize }}',
          '      storageClass: ${{ parameters.storageClass }}',
          '      mountPath: ${{ parameters.mountPath }}',
          '      port: ${{ parameters.port }}',
          '      owner: ${{ parameters.owner }}',
          '      baseDomain: example.com',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        name: z => z.string().describe('Component name: becomes the StatefulSet, Services and catalog entity name'),
        environment: z => z.string().describe('Target environment: dev, test, staging or prod'),
        replicas: z =>
          z.union([z.number(), z.string()]).describe('Number of pods, 1 to the platform maximum (default 9)'),
        storageSize: z => z.string().describe('Persistent volume size per pod, a Kubernetes quantity such as 10Gi'),
        storageClass: z => z.string().describe('StorageClass of the volumes; one of the classes the platform allows'),
        mountPath: z => z.string().describe('Absolute path where the volume is mounted in the container'),
        port: z =>
          z.union([z.number(), z.string()]).describe('Container port, 1024-65535 (the container runs as non-root)'),
        owner: z =>
          z
            .string()
            .optional()
            .describe('Owner entity reference (Group or User); checked the way the catalog will check it'),
        description: z => z.string().optional().describe('Free-text description, at most 500 characters'),
        baseDomain: z =>
          z
            .string()
            .optional()
            .describe(
              "The platform's base domain (a template setting): hosts are <name>.<env>.<baseDomain>, <name>.<baseDomain> in prod",
            ),
      },
      output: {
        name: z => z.string().describe('The component name'),
        environment: z => z.enum(['dev', 'test', 'staging', 'prod']).describe('The environment'),
        replicas: z => z.number().int().describe('Number of pods'),
        storageSize: z => z.string().describe('Canonical Kubernetes quantity, e.g. 1536Mi for 1.5Gi'),
        storageBytes: z => z.number().int().describe('Volume size in bytes'),
        storageClass: z => z.string().describe('StorageClass name'),
        mountPath: z => z.string().describe('Normalised absolute mount path'),
        port: z => z.number().int().describe('Container port as a number'),
        owner: z =>
          z.string().optional().describe('Full owner reference, e.g. group:default/platform-team (when given)'),
        description: z => z.string().describe('The description, unchanged ("" when not given)'),
        baseDomain: z =>
          z.string().optional().describe('The checked base domain (when given), for the skeleton and the task links'),
      },
    },
    async handler(ctx) {
      const result = validateStatefulApp(ctx.input, policy);
      if (!result.ok) {
        const lines = result.problems.map(p => `- ${describeProblem(p)}`);
        throw new InputError(`The Stateful App values break ${result.problems.length} rule(s):\n${lines.join('\n')}`);
      }
      for (const [key, value] of Object.entries(result.values)) {
        ctx.output(key as keyof typeof result.values, value);
      }
      ctx.logger.info(
        `Validated ${result.values.name}: ${result.values.replicas} replica(s), ${result.values.storageSize} ${result.values.storageClass} at ${result.values.mountPath}, port ${result.values.port}`,
      );
    },
  });
}
