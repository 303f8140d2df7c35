import { Config } from '@backstage/config';

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

export function readGithubClientOptions(config?: Config): GithubClientOptions {
  const section = config?.getOptionalConfig('goldenPath.github');
  if (!section) return DEFAULT_GITHUB_CLIENT_OPTIONS;
  const read = (key: keyof GithubClientOptions) => {
    const value = section.getOptionalNumber(key) ?? DEFAULT_GITHUB_CLIENT_OPTIONS[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`goldenPath.github.${key} must be a number of at least 0, got ${value}`);
    }
    return value;
  };
  return {
    retries: read('retries'),
    retryBaseDelayMs: read('retryBaseDelayMs'),
    maxRetryAfterSeconds: read('maxRetryAfterSeconds'),
    rateLimitRetries: read('rateLimitRetries'),
    writePacingMs: read('writePacingMs'),
    repoReadyTimeoutMs: read('repoReadyTimeoutMs'),
  };
}
