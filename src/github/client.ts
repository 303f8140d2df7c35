import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  GithubCredentialsProvider,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { DEFAULT_GITHUB_CLIENT_OPTIONS, GithubClientOptions } from './clientOptions';
import { CredentialSource, describeGithubFailure } from './errors';
import { GithubRepoLocation } from './repoUrl';

const GoldenPathOctokit: typeof Octokit = Octokit.plugin(retry, throttling);
export type GithubClient = Octokit;

/**
 * An Octokit for one repository's host, authenticated the Backstage way:
 * the `token` input when given, else integrations.github (token or GitHub App)
 * through the credentials provider. Transient failures are retried with
 * backoff; rate limits are waited out when GitHub's retry-after is short.
 */
export async function createGithubClient(opts: {
  location: GithubRepoLocation;
  credentialsProvider: GithubCredentialsProvider;
  token?: string;
  options: GithubClientOptions;
  logger: LoggerService;
}): Promise<{ octokit: GithubClient; credentialSource: CredentialSource }> {
  const { location, options, logger } = opts;
  let token = opts.token;
  let credentialSource: CredentialSource = 'token input';
  if (!token) {
    const credentials = await opts.credentialsProvider.getCredentials({
      url: `https://${location.host}/${encodeURIComponent(location.owner)}/${encodeURIComponent(location.repo)}`,
    });
    token = credentials.token;
    credentialSource = credentials.type === 'app' ? 'GitHub App installation' : 'integrations.github token';
  }
  if (!token) {
    throw new InputError(
      `No GitHub credential for ${location.host}/${location.owner}: configure a token or a GitHub App under integrations.github, or pass the token input`,
    );
  }

  const rateLimitHandler =
    (kind: string) => (retryAfter: number, request: any, _octokit: unknown, retryCount: number) => {
      const waitable = retryAfter <= options.maxRetryAfterSeconds && retryCount < options.rateLimitRetries;
      logger.warn(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}: ${waitable ? `retrying after ${retryAfter}s` : 'giving up'}`,
      );
      return waitable;
    };

  const octokit = new GoldenPathOctokit({
    auth: token,
    baseUrl: location.integration.apiBaseUrl ?? 'https://api.github.com',
    userAgent: 'goldenpath-stateful-app',
    // Octokit's own log lines carry no credentials; route them to the task log.
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    retry: {
      retries: options.retries,
      retryAfterBaseValue: options.retryBaseDelayMs,
      // 401/403 are permission problems and 404/409/422 are answers, not glitches.
      doNotRetry: [400, 401, 403, 404, 409, 422, 451],
    },
    throttle: {
      onRateLimit: rateLimitHandler('primary'),
      onSecondaryRateLimit: rateLimitHandler('secondary'),
      retryAfterBaseValue: 1000,
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writePacingMs }),
    },
  });
  return { octokit, credentialSource };
}

/** Options of this module's GitHub action factories, defaulted the way module-github's are. */
export type GithubActionOptions = {
  integrations: ScmIntegrationRegistry;
  /** The app-config, for the fallbacks publish:github reads too (scaffolder.defaultAuthor, scaffolder.defaultCommitMessage). */
  config?: Config;
  /** Where credentials come from; defaults to integrations.github (token or GitHub App). */
  githubCredentialsProvider?: GithubCredentialsProvider;
  /** Retry, pacing and readiness settings; unset ones take DEFAULT_GITHUB_CLIENT_OPTIONS. */
  clientOptions?: Partial<GithubClientOptions>;
};

/** GithubActionOptions with every default applied. */
export type GithubActionDeps = {
  integrations: ScmIntegrationRegistry;
  config?: Config;
  credentialsProvider: GithubCredentialsProvider;
  clientOptions: GithubClientOptions;
};

export function resolveGithubActionOptions(options: GithubActionOptions): GithubActionDeps {
  return {
    integrations: options.integrations,
    config: options.config,
    credentialsProvider:
      options.githubCredentialsProvider ?? DefaultGithubCredentialsProvider.fromIntegrations(options.integrations),
    clientOptions: { ...DEFAULT_GITHUB_CLIENT_OPTIONS, ...options.clientOptions },
  };
}

/** A GitHub-failure translator bound to one repository: `failure(action, permission)(error)` throws. */
export type FailureFactory = (action: string, permission: string) => (error: unknown) => never;

/** An authenticated client for one repository, and the translator for its failures. */
export async function connectToRepository(
  deps: GithubActionDeps,
  location: GithubRepoLocation,
  token: string | undefined,
  logger: LoggerService,
  /** Values that must never appear in an error (e.g. the action's secrets input). */
  secrets: readonly string[] = [],
): Promise<{ octokit: GithubClient; failure: FailureFactory }> {
  const { octokit, credentialSource } = await createGithubClient({
    location,
    credentialsProvider: deps.credentialsProvider,
    token,
    options: deps.clientOptions,
    logger,
  });
  const failure: FailureFactory = (action, permission) => error => {
    throw describeGithubFailure(error, {
      action,
      target: `${location.owner}/${location.repo}`,
      host: location.host,
      credentialSource,
      permission,
      secrets: token ? [token, ...secrets] : secrets,
    });
  };
  return { octokit, failure };
}
