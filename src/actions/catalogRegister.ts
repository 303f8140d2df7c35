import { BackstageCredentials, LoggerService, resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Entity, stringifyEntityRef, ANNOTATION_ORIGIN_LOCATION } from '@backstage/catalog-model';
import { ConflictError, InputError, isError, ResponseError, ServiceUnavailableError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import { validateCatalogFile } from '../catalog/entityValidation';
import { retryWithBackoff } from '../util/retry';
import { lostWorkspaceAdvice, readTaskRecoverySettings } from '../workspace/taskRecovery';

export const CATALOG_REGISTER_ACTION_ID = 'goldenpath:catalog:register';

export type CatalogRegisterActionOptions = {
  catalog: CatalogService;
  /** The backend's config, to name its task recovery settings when the workspace lacks the file. */
  config?: Config;
  /** Attempts at reaching the catalog before failing (it may be restarting). */
  attempts?: number;
  retryDelayMs?: number;
  pollIntervalMs?: number;
};

/**
 * Registers the new repository's catalog-info.yaml, after checking every
 * entity in it as the catalog will, and waits until the entity is really in
 * the catalog so the task's "Open in catalog" link works on the first click.
 */
export function createCatalogRegisterAction(options: CatalogRegisterActionOptions) {
  const { catalog } = options;
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const recovery = readTaskRecoverySettings(options.config);

  return createTemplateAction({
    id: CATALOG_REGISTER_ACTION_ID,
    description:
      'Validates the rendered catalog-info.yaml with the catalog model, registers it in the catalog and waits until the entity exists.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Register the pushed repository and wait for its entity',
        example: [
          'steps:',
          '  - id: register',
          '    name: Register in the catalog',
          '    action: goldenpath:catalog:register',
          '    input:',
          '      repoContentsUrl: ${{ steps.push.output.repoContentsUrl }}',
          '      catalogInfoPath: /catalog-info.yaml',
        ].join('\n'),
      },
      {
        description: 'Check the rendered catalog-info.yaml before the repository is created',
        example: [
          'steps:',
          '  - id: check-entity',
          '    action: goldenpath:catalog:register',
          '    input:',
          '      validateOnly: true',
        ].join('\n'),
      },
      {
        description: 'Register a file by its full URL without waiting',
        example: [
          'steps:',
          '  - id: register',
          '    action: goldenpath:catalog:register',
          '    input:',
          '      catalogInfoUrl: https://github.com/acme/my-redis/blob/main/catalog-info.yaml',
          '      waitForEntity: false',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        repoContentsUrl: z =>
          z
            .string()
            .optional()
            .describe("Contents URL of the repository (…/blob/<branch>), e.g. the push step's output"),
        catalogInfoPath: z =>
          z
            .string()
            .optional()
            .describe('Path of the catalog file in the repository and in the workspace (default /catalog-info.yaml)'),
        catalogInfoUrl: z =>
          z.string().optional().describe('Full URL of the catalog file; replaces repoContentsUrl + catalogInfoPath'),
        optional: z =>
          z.boolean().optional().describe('Succeed without registering when the workspace has no catalog file'),
        validateOnly: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Only validate the rendered file and output the entityRef, without calling the catalog: run it before creating the repository so a broken entity stops the task before anything exists',
            ),
        waitForEntity: z => z.boolean().optional().describe('Wait until the entity is in the catalog (default true)'),
        waitTimeoutSeconds: z => z.number().optional().describe('How long to wait for the entity (default 60)'),
      },
      output: {
        entityRef: z => z.string().describe('Reference of the registered entity, e.g. component:default/my-redis'),
        catalogInfoUrl: z => z.string().describe('URL of the registered catalog file'),
      },
    },
    async handler(ctx) {
      const catalogInfoPath = ctx.input.catalogInfoPath ?? '/catalog-info.yaml';
      const catalogInfoUrl = ctx.input.validateOnly
        ? (ctx.input.catalogInfoUrl ?? ctx.input.repoContentsUrl ?? '')
        : (ctx.input.catalogInfoUrl ?? joinUrl(ctx.input.repoContentsUrl, catalogInfoPath));
      const waitTimeoutSeconds = ctx.input.waitTimeoutSeconds ?? 60;
      if (!(waitTimeoutSeconds > 0 && waitTimeoutSeconds <= 600)) {
        throw new InputError('waitTimeoutSeconds: must be between 1 and 600');
      }

      // The file as rendered in the workspace is what the catalog will read from the repository.
      const relativePath = catalogInfoPath.replace(/^\/+/, '');
      const localFile = resolveSafeChildPath(ctx.workspacePath, relativePath);
      const text = await fs.readFile(localFile, 'utf8').catch(() => undefined);
      if (text === undefined) {
        if (ctx.input.optional) {
          ctx.logger.info(`No ${relativePath} in the workspace; nothing registered (optional)`);
          return;
        }
        // With task recovery on, a resumed task may have lost its whole workspace: say so.
        const advice = recovery.enabled ? ` ${lostWorkspaceAdvice(recovery)}` : '';
        throw new InputError(`catalogInfoPath: ${relativePath} was not found in the workspace.${advice}`);
      }
      const { entities, problems } = await validateCatalogFile(text, relativePath);
      if (problems.length) {
        throw new InputError(
          `The catalog entity is invalid, so nothing was registered:\n${problems.map(p => `- ${p}`).join('\n')}`,
        );
      }
      const primary = entities.find(e => e.kind !== 'Location') ?? entities[0];
      const entityRef = stringifyEntityRef(primary);
      ctx.output('entityRef', entityRef);
      ctx.output('catalogInfoUrl', catalogInfoUrl);

      if (ctx.input.validateOnly) {
        ctx.logger.info(`${relativePath} is valid: ${entities.map(e => stringifyEntityRef(e)).join(', ')}`);
        return;
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would register ${catalogInfoUrl} (${entities.map(e => stringifyEntityRef(e)).join(', ')})`,
        );
        return;
      }

      const credentials = await ctx.getInitiatorCredentials();
      const withRetry = <T>(what: string, call: () => Promise<T>) =>
        retryUnavailable(what, call, attempts, retryDelayMs, ctx.logger);
      const target = catalogInfoUrl;
      const locationRef = `url:${target}`;

      // An entity of the same name from elsewhere would never be replaced: say so now.
      for (const entity of entities) {
        const ref = stringifyEntityRef(entity);
        const existing = await withRetry('read the catalog', () => catalog.getEntityByRef(ref, { credentials }));
        const origin = existing?.metadata.annotations?.[ANNOTATION_ORIGIN_LOCATION];
        if (existing && origin !== locationRef) {
          throw new ConflictError(
            `${ref} is already in the catalog, registered from ${origin ?? 'another location'} and owned by ${(existing.spec as any)?.owner ?? 'someone else'}; nothing was registered`,
          );
        }
      }

      await ctx.checkpoint({
        key: `catalog.register.v1.${target}`,
        fn: async () => {
          const existing = await withRetry('read the catalog', () =>
            catalog.getLocationByRef(locationRef, { credentials }),
          );
          if (existing) {
            ctx.logger.info(`${target} is already registered (location ${existing.id})`);
            return;
          }
          try {
            await withRetry('register the location', () =>
              catalog.addLocation({ type: 'url', target }, { credentials }),
            );
            ctx.logger.info(`Registered ${target}`);
          } catch (error) {
            // Registered meanwhile (a resumed task, a concurrent refresh): same target, so success.
            if (catalogStatus(error) !== 409) throw error;
            ctx.logger.info(`${target} was already registered`);
          }
        },
      });

      if (ctx.input.waitForEntity ?? true) {
        await waitForEntities(
          catalog,
          entities,
          credentials,
          waitTimeoutSeconds * 1000,
          pollIntervalMs,
          ctx.logger,
          locationRef,
        );
      }
    },
  });
}

function joinUrl(base: string | undefined, filePath: string): string {
  if (!base) {
    throw new InputError('repoContentsUrl or catalogInfoUrl: one of them is required');
  }
  return `${base.replace(/\/+$/, '')}/${filePath.replace(/^\/+/, '')}`;
}

/**
 * The HTTP status of a catalog failure: the catalog client throws a
 * ResponseError, the in-process catalog service the typed error itself.
 */
function catalogStatus(error: unknown): number | undefined {
  if (error instanceof ResponseError) return error.statusCode;
  if (!isError(error)) return undefined;
  const byName: Record<string, number> = {
    InputError: 400,
    AuthenticationError: 401,
    NotAllowedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
  };
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : byName[error.name];
}

/** Retries only what looks like an unreachable or failing catalog (network errors, 5xx). */
async function retryUnavailable<T>(
  what: string,
  call: () => Promise<T>,
  attempts: number,
  delayMs: number,
  logger: LoggerService,
): Promise<T> {
  try {
    return await retryWithBackoff(call, {
      retries: attempts - 1,
      minDelayMs: delayMs,
      maxDelayMs: delayMs * 8,
      retryIf: error => {
        const status = catalogStatus(error);
        return status === undefined || status >= 500;
      },
      onRetry: (error, attempt) =>
        logger.warn(`The catalog could not ${what} (attempt ${attempt}/${attempts}): ${errorMessage(error)}; retrying`),
    });
  } catch (error) {
    const status = catalogStatus(error);
    if (status !== undefined && status < 500) throw error;
    throw new ServiceUnavailableError(
      `The catalog could not ${what} after ${attempts} attempts: ${errorMessage(error)}`,
    );
  }
}

function errorMessage(error: unknown): string {
  return isError(error) ? error.message : String(error);
}

/** Thrown while an entity is not in the catalog yet, so the poll can retry it. */
class EntitiesPending extends Error {}

async function waitForEntities(
  catalog: CatalogService,
  entities: Entity[],
  credentials: BackstageCredentials,
  timeoutMs: number,
  pollIntervalMs: number,
  logger: LoggerService,
  locationRef: string,
) {
  const pending = new Set(entities.map(e => stringifyEntityRef(e)));
  try {
    await retryWithBackoff(
      async () => {
        for (const ref of [...pending]) {
          const found = await catalog.getEntityByRef(ref, { credentials }).catch(() => undefined);
          if (found) pending.delete(ref);
        }
        if (pending.size) throw new EntitiesPending([...pending].join(', '));
      },
      {
        minDelayMs: pollIntervalMs,
        maxDelayMs: pollIntervalMs * 4,
        maxTimeMs: timeoutMs,
        retryIf: error => error instanceof EntitiesPending,
      },
    );
  } catch (error) {
    if (!(error instanceof EntitiesPending)) throw error;
    const location = await catalog.getLocationByRef(locationRef, { credentials }).catch(() => undefined);
    throw new ServiceUnavailableError(
      `Registered ${locationRef.slice(4)}, but ${error.message} did not appear in the catalog within ${timeoutMs / 1000}s ` +
        `(the location is ${location ? `registered as ${location.id}` : 'not listed'}); check the location's processing errors in the catalog`,
    );
  }
  logger.info(
    `${entities.map(e => stringifyEntityRef(e)).join(', ')} ${entities.length > 1 ? 'are' : 'is'} in the catalog`,
  );
}
