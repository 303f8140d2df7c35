import { retryWithBackoff } from './retry';

class Transient extends Error {}

describe('retryWithBackoff', () => {
  it('retries what retryIf accepts until the call succeeds', async () => {
    const retried: number[] = [];
    let calls = 0;
    const value = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new Transient(`attempt ${calls}`);
        return 'done';
      },
      {
        retries: 5,
        minDelayMs: 1,
        maxDelayMs: 2,
        retryIf: e => e instanceof Transient,
        onRetry: (_e, n) => retried.push(n),
      },
    );
    expect(value).toBe('done');
    expect(calls).toBe(3);
    expect(retried).toEqual([1, 2]);
  });

  it('fails at once, with the original error, on an error retryIf refuses', async () => {
    let calls = 0;
    const refused = new Error('an answer, not a glitch');
    await expect(
      retryWithBackoff(
        async () => {
          calls += 1;
          throw refused;
        },
        { retries: 5, minDelayMs: 1, maxDelayMs: 2, retryIf: e => e instanceof Transient },
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up after the retries with the last error', async () => {
    let calls = 0;
    const error = await retryWithBackoff(
      async () => {
        calls += 1;
        throw new Transient(`attempt ${calls}`);
      },
      { retries: 2, minDelayMs: 1, maxDelayMs: 2, retryIf: () => true },
    ).catch(e => e);
    expect(calls).toBe(3);
    expect(error.message).toBe('attempt 3');
  });

  it('bounded by time alone, keeps trying until the deadline and then stops', async () => {
    let calls = 0;
    const started = Date.now();
    const error = await retryWithBackoff(
      async () => {
        calls += 1;
        throw new Transient('not yet');
      },
      { minDelayMs: 10, maxDelayMs: 20, maxTimeMs: 300, retryIf: () => true },
    ).catch(e => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(Transient);
    expect(calls).toBeGreaterThan(5);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2000);
  });

  it('passes on a thrown non-Error value unchanged', async () => {
    await expect(
      retryWithBackoff(
        async () => {
          throw 'plain text';
        },
        { retries: 1, minDelayMs: 1, maxDelayMs: 1, retryIf: () => false },
      ),
    ).rejects.toBe('plain text');
  });
});
