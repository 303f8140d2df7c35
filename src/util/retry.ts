import pRetry from 'p-retry';

/**
 * The one backoff policy of this module: exponential from `minDelayMs`,
 * doubling up to `maxDelayMs`, bounded by a number of retries or a deadline.
 * Used for a just-created GitHub repository that is not ready yet, a catalog
 * that is unreachable, and an entity that has not appeared yet.
 */
export type Backoff = {
  minDelayMs: number;
  maxDelayMs: number;
  /** Retries after the first attempt. */
  retries?: number;
  /** Stop retrying once this long has passed since the first attempt. */
  maxTimeMs?: number;
};

export type RetryOptions = Backoff & {
  /** Only errors this accepts are retried; anything else fails at once. */
  retryIf(error: unknown): boolean;
  /** Called before each retry, with the error that caused it, e.g. to log why. */
  onRetry?(error: unknown, attempt: number): void;
};

/**
 * Calls `call` until it succeeds, it throws an error `retryIf` refuses, or the
 * backoff is used up; then rejects with the last error.
 */
export async function retryWithBackoff<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const boundedByTimeOnly = options.retries === undefined && options.maxTimeMs !== undefined;
  let lastError: unknown;
  try {
    return await pRetry(
      async attempt => {
        // Announced as it starts, so only a retry that happens is announced, whichever bound
        // (a count, a deadline) p-retry applied.
        if (attempt > 1) options.onRetry?.(lastError, attempt - 1);
        try {
          return await call(attempt);
        } catch (error) {
          lastError = error;
          // p-retry gives up at once on a TypeError (undici's "fetch failed" is one) and on
          // anything not an Error: it gets its own error, and the caller gets what was thrown.
          throw new AttemptFailed();
        }
      },
      {
        // Bounded by time alone: keep retrying at maxDelayMs once the doubling reaches it.
        ...(boundedByTimeOnly ? { retries: 16, forever: true } : { retries: options.retries ?? 0 }),
        minTimeout: options.minDelayMs,
        maxTimeout: options.maxDelayMs,
        factor: 2,
        maxRetryTime: options.maxTimeMs,
        onFailedAttempt: () => {
          if (!options.retryIf(lastError)) throw lastError;
        },
      },
    );
  } catch {
    throw lastError;
  }
}

/** What p-retry sees of a failed attempt; the error itself is kept aside. */
class AttemptFailed extends Error {}
