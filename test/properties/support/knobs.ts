import fc from 'fast-check';

/**
 * Run sizes and seed of the property suite, read once from the environment.
 *
 *   FC_SEED       base seed (default 20261126: the default run is reproducible); each property
 *                 runs with FC_SEED plus its own fixed offset (propertySeed), so no two see the same cases.
 *                 CI runs the default seed in `npm test`, then a fresh random one (printed) on fewer cases
 *   FC_RUNS       cases of each in-memory property (default 1000)
 *   FC_FULL_RUNS  cases of each real dry-run property (default FC_RUNS / 8, so 125)
 *   FC_KUSTOMIZE  accepted cases of property 3 also built with `kubectl kustomize`, picked by the seed (default 3)
 *   FC_DIFF       cases rendered both in memory and by the real backend to prove they agree (default 30)
 */
export const SEED = knob('FC_SEED', 20261126);
export const RUNS = knob('FC_RUNS', 1000);
export const FULL_RUNS = knob('FC_FULL_RUNS', Math.max(20, Math.round(RUNS / 8)));
export const KUSTOMIZE_CASES = knob('FC_KUSTOMIZE', 3);
export const DIFF_CASES = knob('FC_DIFF', 30);

/** A whole-number setting from the environment: a typo must not turn a run into NaN cases. */
function knob(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name}=${JSON.stringify(text)} is not a whole number`);
  return value;
}

/** The seed of one property: the base seed plus a fixed offset, printed by fast-check on failure. */
export const propertySeed = (offset: number) => SEED + offset;

export function configureFastCheck(): void {
  fc.configureGlobal({ seed: SEED, numRuns: RUNS });
  console.info(
    `property suite: FC_SEED=${SEED} FC_RUNS=${RUNS} FC_FULL_RUNS=${FULL_RUNS} FC_KUSTOMIZE=${KUSTOMIZE_CASES} FC_DIFF=${DIFF_CASES} (set the same to replay)`,
  );
}

/**
 * The longest a property's whole run (its cases, then shrinking a failure) may
 * take: four times its expected time plus half a minute, so a runner several
 * times slower than the 2-core CI machine still finishes. Past it the run is
 * interrupted, and an interrupted run FAILS (failOnInterrupt): without it,
 * fast-check stops generating cases and reports success on however many ran.
 */
export function runBudgetMs(runs: number, msPerCase: number): number {
  return 30_000 + runs * msPerCase * 4;
}

export function runBudget(runs: number, msPerCase: number) {
  return timeLimitThatFails(runBudgetMs(runs, msPerCase));
}

/** fast-check's time limit, with an interruption reported as a failure. */
export function timeLimitThatFails(ms: number) {
  return fc.interruptAfterTimeLimit(ms, { failOnInterrupt: true });
}

/** Jest timeout for a property: its run budget plus time for fast-check to report its counterexample. */
export function timeoutFor(runs: number, msPerCase: number): number {
  return runBudgetMs(runs, msPerCase) + 60_000;
}

/** How often a case of one mix of support/arbitraries.ts takes each branch (per case). */
export type CaseMix = { accepted: number; rejected: number; rarestFieldBranch: number };

/**
 * Measured over 20 seeds of 125 cases each (in memory, which gives the real
 * dry-run's results), each cut by a fifth for the estimate's error. The rarest
 * (field, branch) pair: with few fields changed, a rejection naming repoUrl
 * (4.2 in 125; repoUrl is checked last, so other fields' errors hide it); with
 * many, a rejection naming owner (5.8 in 125).
 */
export const CASE_MIXES = {
  fewFieldCases: { accepted: (52.3 / 125) * 0.8, rejected: (72.7 / 125) * 0.8, rarestFieldBranch: (4.2 / 125) * 0.8 },
  manyFieldCases: { accepted: (41.7 / 125) * 0.8, rejected: (83.3 / 125) * 0.8, rarestFieldBranch: (5.8 / 125) * 0.8 },
} satisfies Record<string, CaseMix>;

/**
 * The most a check can demand of a count without failing by chance on a
 * fresh seed: the largest m with P(X < m) ≤ 1e-4 for X ~ Poisson(expected)
 * (conservative for these binomial counts). 0 when the run is too short.
 * Summed in log space so a large run (FC_RUNS=20000) does not underflow.
 */
export function reliableMinimum(expected: number, risk = 1e-4): number {
  let logProbability = -expected; // log P(X = m)
  let below = 0; // P(X < m)
  for (let m = 0; ; m++) {
    const probability = Math.exp(logProbability);
    if (below + probability > risk) return m;
    below += probability;
    logProbability += Math.log(expected / (m + 1));
  }
}

/** What a run of `runs` cases of a mix must reach: each branch overall, and each (field, branch) pair. */
export function branchMinimums(runs: number, mix: CaseMix) {
  return {
    runs,
    accepted: reliableMinimum(runs * mix.accepted),
    rejected: reliableMinimum(runs * mix.rejected),
    perField: reliableMinimum(runs * mix.rarestFieldBranch),
  };
}

/** Counts which branch each case took, so a property cannot pass vacuously. */
export class BranchCounter<F extends string> {
  accepted = 0;
  rejected = 0;
  readonly perField = new Map<F, { accepted: number; rejected: number }>();

  /**
   * One case: the fields it changed, whether it was accepted, and for a
   * rejection the fields its error named (a field counts as rejected only
   * when the error blamed it, not when another changed field was the cause).
   */
  record(changed: Iterable<F>, accepted: boolean, blamed: Iterable<F> = []): void {
    if (accepted) this.accepted++;
    else this.rejected++;
    const count = (field: F, key: 'accepted' | 'rejected') => {
      const counts = this.perField.get(field) ?? { accepted: 0, rejected: 0 };
      counts[key]++;
      this.perField.set(field, counts);
    };
    if (accepted) for (const field of changed) count(field, 'accepted');
    else for (const field of new Set(blamed)) count(field, 'rejected');
  }

  get total(): number {
    return this.accepted + this.rejected;
  }

  /** The counts of several properties together. */
  static sum<F extends string>(counters: Array<BranchCounter<F>>): BranchCounter<F> {
    const sum = new BranchCounter<F>();
    for (const counter of counters) {
      sum.accepted += counter.accepted;
      sum.rejected += counter.rejected;
      for (const [field, counts] of counter.perField) {
        const into = sum.perField.get(field) ?? { accepted: 0, rejected: 0 };
        into.accepted += counts.accepted;
        into.rejected += counts.rejected;
        sum.perField.set(field, into);
      }
    }
    return sum;
  }

  summary(): string {
    const fields = [...this.perField].map(([f, c]) => `${f} ${c.accepted}/${c.rejected}`).join(', ');
    return `${this.total} cases: ${this.accepted} accepted, ${this.rejected} rejected (per field, accepted with it changed / rejected naming it: ${fields})`;
  }
}

/**
 * Asserts that the property ran exactly the cases it asked for (not fewer, as
 * an interrupted run would), that both branches were taken often enough
 * overall and for every field (branchMinimums), and prints the counts so a CI
 * log shows what a run exercised.
 */
export function expectBothBranches<F extends string>(
  counter: BranchCounter<F>,
  label: string,
  options: { runs: number; accepted: number; rejected: number; fields: readonly F[]; perField: number },
): void {
  const summary = counter.summary();
  console.info(`${label}: ${summary}`);
  expect({ cases: counter.total, summary }).toEqual({ cases: options.runs, summary });
  expect({ accepted: counter.accepted >= options.accepted, summary }).toEqual({ accepted: true, summary });
  expect({ rejected: counter.rejected >= options.rejected, summary }).toEqual({ rejected: true, summary });
  expectPerField(counter, label, options);
}

/** Every field accepted with it changed, and rejected naming it, at least `perField` times each. */
export function expectPerField<F extends string>(
  counter: BranchCounter<F>,
  label: string,
  options: { fields: readonly F[]; perField: number },
): void {
  const summary = counter.summary();
  if (options.perField === 0)
    console.info(`${label}: too few cases for a per-field minimum a fresh seed could not miss by chance; not checked`);
  else console.info(`${label}: every field at least ${options.perField} times accepted and rejected`);
  for (const field of options.perField > 0 ? options.fields : []) {
    const counts = counter.perField.get(field) ?? { accepted: 0, rejected: 0 };
    expect({
      field,
      accepted: counts.accepted >= options.perField,
      rejected: counts.rejected >= options.perField,
      summary,
    }).toEqual({
      field,
      accepted: true,
      rejected: true,
      summary,
    });
  }
}
