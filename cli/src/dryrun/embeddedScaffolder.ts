import { createSpecializedBackend } from '@backstage/backend-app-api';
import { auditorServiceFactory } from '@backstage/backend-defaults/auditor';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { discoveryServiceFactory } from '@backstage/backend-defaults/discovery';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import { lifecycleServiceFactory } from '@backstage/backend-defaults/lifecycle';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { permissionsRegistryServiceFactory } from '@backstage/backend-defaults/permissionsRegistry';
import { rootHealthServiceFactory } from '@backstage/backend-defaults/rootHealth';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { rootLifecycleServiceFactory } from '@backstage/backend-defaults/rootLifecycle';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
  metricsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  BackendFeature,
  coreServices,
  createServiceFactory,
  LoggerService,
  RootLoggerService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { JsonObject } from '@backstage/types';
import statefulAppModule from '@goldenpathidp/plugin-scaffolder-backend-module-stateful-app';
import crypto from 'node:crypto';
import { freePorts } from '../util/loopbackPorts';
import { postDryRun, DryRunResult } from './postDryRun';
import { TemplateBundle } from './templateBundle';

export type { DryRunFile, DryRunLogLine, DryRunResult } from './postDryRun';
export { postDryRun } from './postDryRun';

export type EmbeddedScaffolder = {
  /** Base URL of the scaffolder plugin's API, e.g. http://127.0.0.1:1234/api/scaffolder */
  apiUrl: string;
  /** A static access token the embedded backend accepts (for callers that talk to apiUrl themselves). */
  token: string;
  dryRun(bundle: TemplateBundle, values: JsonObject, secrets?: Record<string, string>): Promise<DryRunResult>;
  stop(): Promise<void>;
};

/**
 * Starts the real scaffolder backend in-process with this module, the same
 * `/v2/dry-run` endpoint the template editor calls, on Backstage's real core
 * services (auth, database on in-memory SQLite, permissions, scheduler).
 *
 * Only what a dry-run never uses is left out: URL reading (the template's
 * files are uploaded with the request), caching, and log output (the task's
 * own log comes back in the dry-run answer). Loading no more than this is
 * what keeps `golden-path dry-run` quick to start.
 */
export async function startEmbeddedScaffolder(
  options: {
    config?: JsonObject;
    extraFeatures?: Array<BackendFeature | Promise<{ default: BackendFeature }>>;
  } = {},
): Promise<EmbeddedScaffolder> {
  // The backend reads its port from config, so it is picked first.
  const [port] = await freePorts(1);
  const token = crypto.randomBytes(24).toString('base64url');
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = new ConfigReader({
    ...options.config,
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: { externalAccess: [{ type: 'static', options: { token, subject: 'golden-path-cli' } }] },
      ...(options.config?.backend as JsonObject | undefined),
    },
  });

  const backend = createSpecializedBackend({
    defaultServiceFactories: [
      createServiceFactory({ service: coreServices.rootConfig, deps: {}, factory: () => config }),
      createServiceFactory({ service: coreServices.rootLogger, deps: {}, factory: () => silentLogger() }),
      createServiceFactory({ service: coreServices.logger, deps: {}, factory: () => silentLogger() }),
      createServiceFactory({ service: coreServices.urlReader, deps: {}, factory: () => noUrlReader() }),
      auditorServiceFactory,
      authServiceFactory,
      databaseServiceFactory,
      discoveryServiceFactory,
      httpAuthServiceFactory,
      httpRouterServiceFactory,
      lifecycleServiceFactory,
      permissionsServiceFactory,
      permissionsRegistryServiceFactory,
      rootHealthServiceFactory,
      rootHttpRouterServiceFactory,
      rootLifecycleServiceFactory,
      schedulerServiceFactory,
      userInfoServiceFactory,
      eventsServiceFactory,
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      metricsServiceFactory,
    ],
  });
  backend.add(import('@backstage/plugin-scaffolder-backend'));
  backend.add(statefulAppModule);
  for (const feature of options.extraFeatures ?? []) backend.add(feature);
  await backend.start();

  const apiUrl = `${baseUrl}/api/scaffolder`;
  return {
    apiUrl,
    token,
    dryRun: (bundle, values, secrets) =>
      postDryRun(apiUrl, bundle, values, secrets, { authorization: `Bearer ${token}` }),
    stop: () => backend.stop(),
  };
}

function silentLogger(): RootLoggerService & LoggerService {
  const logger: RootLoggerService & LoggerService = {
    error: () => {},
    warn: () => {},
    info: () => {},
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

/** A dry-run gets the template's files in the request; anything that tries to read a URL is a template bug here. */
function noUrlReader(): UrlReaderService {
  const refuse = async (url: string): Promise<never> => {
    throw new NotAllowedError(`golden-path dry-run does not read URLs (asked for ${url}); bundle local files instead`);
  };
  return { readUrl: refuse, readTree: refuse, search: refuse };
}
