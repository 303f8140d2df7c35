import fc from 'fast-check';

/**
 * Run sizes and seed of the property suite, read once from the environment.
 *
 *   FC_SEED       base seed (default 20261126: the default run is reproducible); each property
 *                 runs with FC_SEED plus its own fixed offset (propertySeed), so no two see the same cases
 *   FC_RUNS       cases of each in-memory property (default 1000)
 *   FC_FULL_RUNS  cases of each real dry-run property (default FC_RUNS / 8, so 125)
 *   FC_KUSTOMIZE  accepted cases of property 3 also built with `kubectl kustomize` (default 3)
 *   FC_DIFF       cases rendered both in memory and by the real backend to prove they agree (default 30)
 */
export const SEED = Number(process.env.FC_SEED ?? 20261126);
export const RUNS = Number(process.env.FC_RUNS ?? 1000);
export const FULL_RUNS = Number(process.env.FC_FULL_RUNS ?? Math.max(20, Math.round(RUNS / 8)));
export const KUSTOMIZE_CASES = Number(process.env.FC_KUSTOMIZE ?? 3);
export const DIFF_CASES = Number(process.env.FC_DIFF ?? 30);

/** The seed of one property: the base seed plus a fixed offset, printed by fast-check on failure. */
export const propertySeed = (offset: number) => SEED + offset;

export function configureFastCheck(): void {
  fc.configureGlobal({ seed: SEED, numRuns: RUNS });
}

/** Jest timeout for a property of `runs` cases costing about `msPerCase`, with room for shrinking. */
export function timeoutFor(runs: number, msPerCase: number): number {
  return 60_000 + runs * msPerCase * 4;
}

/**
 * Bounds a property's whole run (cases and shrinking) at about 1.5 times its
 * expected time: a real dry-run costs ~0.2 s and an unbounded shrink could
 * run for many minutes. A failure is still reported, with the smallest
 * counterexample found by then.
 */
export function shrinkBudget(runs: number, msPerCase: number) {
  return fc.interruptAfterTimeLimit(20_000 + runs * msPerCase * 1.5);
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

  summary(): string {
    const fields = [...this.perField].map(([f, c]) => `${f} ${c.accepted}/${c.rejected}`).join(', ');
    return `${this.total} cases: ${this.accepted} accepted, ${this.rejected} rejected (per field, accepted with it changed / rejected naming it: ${fields})`;
  }
}

/**
 * Asserts that both branches were taken often enough, overall (a fifth of the
 * cases each) and for every field (perField times each), and prints the
 * counts so a CI log shows what a run exercised.
 */
export function expectBothBranches<F extends string>(
  counter: BranchCounter<F>,
  label: string,
  options: { runs: number; fields: readonly F[]; perField: number },
): void {
  const summary = counter.summary();
  console.info(`${label}: ${summary}`);
  expect({ accepted: counter.accepted >= options.runs * 0.2, summary }).toEqual({ accepted: true, summary });
  expect({ rejected: counter.rejected >= options.runs * 0.2, summary }).toEqual({ rejected: true, summary });
  for (const field of options.fields) {
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
