import { Config } from '@backstage/config';
import { z } from 'zod';
import { configNumber, describeConfigIssues } from '../validation/platformPolicy';

/** How hard the GitHub client tries before it gives up; read from `goldenPath.github` in app-config. */
export type GithubClientOptions = {
  /** Retries of a request that failed with 5xx, 429 or a dropped connection. */
  retries: number;
  /** Base of the quadratic backoff between those retries (1st retry after 1×, 2nd after 4×, …). */
  retryBaseDelayMs: number;
  /** Longest `retry-after` (primary or secondary rate limit) worth waiting for; longer fails at once. */
  maxRetryAfterSeconds: number;
  /** Rate-limit retries before giving up. */
  rateLimitRetries: number;
  /** Pause between mutating requests: GitHub asks integrations to pace writes to avoid secondary limits. */
  writePacingMs: number;
  /** How long to wait for a just-created repository to answer Git Data calls. */
  repoReadyTimeoutMs: number;
};

export const DEFAULT_GITHUB_CLIENT_OPTIONS: GithubClientOptions = {
  retries: 3,
  retryBaseDelayMs: 1000,
  maxRetryAfterSeconds: 60,
  rateLimitRetries: 2,
  writePacingMs: 1000,
  repoReadyTimeoutMs: 30_000,
};

const CONFIG_KEY = 'goldenPath.github';
const setting = (key: keyof GithubClientOptions) =>
  configNumber.pipe(z.number().min(0, 'must be a number of at least 0')).default(DEFAULT_GITHUB_CLIENT_OPTIONS[key]);

const clientOptionsSchema = z
  .object({
    retries: setting('retries'),
    retryBaseDelayMs: setting('retryBaseDelayMs'),
    maxRetryAfterSeconds: setting('maxRetryAfterSeconds'),
    rateLimitRetries: setting('rateLimitRetries'),
    writePacingMs: setting('writePacingMs'),
    repoReadyTimeoutMs: setting('repoReadyTimeoutMs'),
  })
  .strict();

export function readGithubClientOptions(config?: Config): GithubClientOptions {
  const parsed = clientOptionsSchema.safeParse(config?.getOptional<unknown>(CONFIG_KEY) ?? {});
  if (!parsed.success) {
    throw new Error(describeConfigIssues(CONFIG_KEY, parsed.error));
  }
  return parsed.data;
}
