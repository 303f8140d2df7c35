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
  /** Called before each retry, e.g. to log why. */
  onRetry?(error: unknown, attempt: number): void;
};

/**
 * Calls `call` until it succeeds, it throws an error `retryIf` refuses, or the
 * backoff is used up; then rejects with the last error.
 */
export async function retryWithBackoff<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  try {
    return await pRetry(
      async attempt => {
        try {
          return await call(attempt);
        } catch (error) {
          lastError = error;
          // p-retry only handles Error instances; keep what was thrown for the caller.
          throw error instanceof Error ? error : new Error(String(error));
        }
      },
      {
        // Bounded by time alone: keep retrying at maxDelayMs once the doubling reaches it.
        ...(options.retries === undefined && options.maxTimeMs !== undefined
          ? { retries: 16, forever: true }
          : { retries: options.retries ?? 0 }),
        minTimeout: options.minDelayMs,
        maxTimeout: options.maxDelayMs,
        factor: 2,
        maxRetryTime: options.maxTimeMs,
        onFailedAttempt: failure => {
          if (!options.retryIf(lastError)) throw lastError;
          if (failure.retriesLeft > 0) options.onRetry?.(lastError, failure.attemptNumber);
        },
      },
    );
  } catch {
    throw lastError;
  }
}
