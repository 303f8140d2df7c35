import { ConfigReader } from '@backstage/config';
import { DEFAULT_GITHUB_CLIENT_OPTIONS, readGithubClientOptions } from './clientOptions';

const read = (github: unknown) => readGithubClientOptions(new ConfigReader({ goldenPath: { github } } as any));

describe('readGithubClientOptions', () => {
  it('takes the defaults when nothing is configured', () => {
    expect(readGithubClientOptions()).toEqual(DEFAULT_GITHUB_CLIENT_OPTIONS);
    expect(readGithubClientOptions(new ConfigReader({}))).toEqual({
      retries: 3,
      retryBaseDelayMs: 1000,
      maxRetryAfterSeconds: 60,
      rateLimitRetries: 2,
      writePacingMs: 1000,
      repoReadyTimeoutMs: 30_000,
    });
  });

  it('reads every key, numbers from ${ENV} substitution as strings included, and 0', () => {
    expect(
      read({
        retries: '5',
        retryBaseDelayMs: 10,
        maxRetryAfterSeconds: 0,
        rateLimitRetries: 1,
        writePacingMs: '0',
        repoReadyTimeoutMs: 2500,
      }),
    ).toEqual({
      retries: 5,
      retryBaseDelayMs: 10,
      maxRetryAfterSeconds: 0,
      rateLimitRetries: 1,
      writePacingMs: 0,
      repoReadyTimeoutMs: 2500,
    });
  });

  it('stops at start-up on a negative number, a non-number or an unknown key, naming the key', () => {
    expect(() => read({ retries: -1 })).toThrow(/goldenPath\.github\.retries.*must be a number of at least 0/);
    expect(() => read({ writePacingMs: 'fast' })).toThrow(/goldenPath\.github\.writePacingMs/);
    expect(() => read({ retrys: 2 })).toThrow(/goldenPath\.github.*retrys/);
  });
});
