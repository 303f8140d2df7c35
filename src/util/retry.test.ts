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

  it('gives up after the retries with the last error, announcing only the retries that happen', async () => {
    let calls = 0;
    const retried: number[] = [];
    const error = await retryWithBackoff(
      async () => {
        calls += 1;
        throw new Transient(`attempt ${calls}`);
      },
      { retries: 2, minDelayMs: 1, maxDelayMs: 2, retryIf: () => true, onRetry: (_e, n) => retried.push(n) },
    ).catch(e => e);
    expect(calls).toBe(3);
    expect(error.message).toBe('attempt 3');
    expect(retried).toEqual([1, 2]);
  });

  it('without retries or a deadline, tries once', async () => {
    let calls = 0;
    const error = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls === 1) throw new Transient('first');
        return 'second';
      },
      { minDelayMs: 1, maxDelayMs: 1, retryIf: () => true },
    ).catch(e => e);
    expect(error).toBeInstanceOf(Transient);
    expect(calls).toBe(1);
  });

  it('with both retries and a deadline, the retries bound it first', async () => {
    let calls = 0;
    const error = await retryWithBackoff(
      async () => {
        calls += 1;
        throw new Transient(`attempt ${calls}`);
      },
      { retries: 1, maxTimeMs: 60_000, minDelayMs: 1, maxDelayMs: 1, retryIf: () => true },
    ).catch(e => e);
    expect(error.message).toBe('attempt 2');
    expect(calls).toBe(2);
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

  it('bounded by time alone, short delays do not use up a retry count before the deadline, and every retry is announced', async () => {
    let calls = 0;
    const announced: number[] = [];
    const started = Date.now();
    await retryWithBackoff(
      async () => {
        calls += 1;
        throw new Transient('not yet');
      },
      { minDelayMs: 1, maxDelayMs: 2, maxTimeMs: 250, retryIf: () => true, onRetry: (_e, n) => announced.push(n) },
    ).catch(e => e);
    // Dozens of 1-2 ms waits fit in 250 ms: it stops at the deadline, not after a fixed number.
    expect(Date.now() - started).toBeGreaterThanOrEqual(230);
    expect(calls).toBeGreaterThan(20);
    // Every attempt but the last was followed by a retry, and each was announced once, in order.
    expect(announced).toEqual(Array.from({ length: calls - 1 }, (_, i) => i + 1));
  });

  it('retries a TypeError that retryIf accepts (undici throws "fetch failed" as one)', async () => {
    let calls = 0;
    const value = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new TypeError('fetch failed');
        return 'reached';
      },
      { retries: 3, minDelayMs: 1, maxDelayMs: 1, retryIf: e => e instanceof TypeError },
    );
    expect(value).toBe('reached');
    expect(calls).toBe(3);
  });

  it('does not announce a retry the deadline prevents, even with retries left', async () => {
    const announced: number[] = [];
    let calls = 0;
    await retryWithBackoff(
      async () => {
        calls += 1;
        // The first attempt fails at once, the second only after the deadline.
        if (calls > 1) await new Promise(resolve => setTimeout(resolve, 600));
        throw new Transient('failing');
      },
      {
        retries: 50,
        minDelayMs: 1,
        maxDelayMs: 1,
        maxTimeMs: 500,
        retryIf: () => true,
        onRetry: (_e, n) => announced.push(n),
      },
    ).catch(() => undefined);
    expect(calls).toBe(2);
    expect(announced).toEqual([1]);
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
