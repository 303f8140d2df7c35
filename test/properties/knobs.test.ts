/**
 * The guards that keep a property run honest (support/knobs.ts): a run cut
 * short by its time budget fails, a run of fewer cases than asked fails, and
 * per-field minimums are the ones a fresh seed cannot miss by chance.
 */
import fc from 'fast-check';
import {
  BranchCounter,
  expectBothBranches,
  expectPerField,
  branchMinimums,
  CASE_MIXES,
  reliableMinimum,
  timeLimitThatFails,
} from './support/knobs';

const slowProperty = () => fc.asyncProperty(fc.nat(), () => new Promise<void>(resolve => setTimeout(resolve, 5)));

describe('a property run cut short', () => {
  test('fails when its time budget interrupts it', async () => {
    await expect(fc.assert(slowProperty(), { numRuns: 1000, plugins: [timeLimitThatFails(100)] })).rejects.toThrow(
      /interrupted after \d+ tests/,
    );
  });

  test("(fast-check's default would have passed it after a few cases)", async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), async () => {
        ran++;
        await new Promise(resolve => setTimeout(resolve, 5));
      }),
      { numRuns: 1000, plugins: [fc.interruptAfterTimeLimit(100)] },
    );
    expect(ran).toBeLessThan(1000);
  });

  test('fails the case count even without a time budget', () => {
    const counter = new BranchCounter<'a'>();
    for (let i = 0; i < 99; i++) counter.record(['a'], i % 2 === 0, ['a']);
    expect(() =>
      expectBothBranches(counter, 'cut short', { runs: 100, accepted: 1, rejected: 1, fields: ['a'], perField: 1 }),
    ).toThrow(/"cases": 99/);
    counter.record(['a'], true);
    expect(() =>
      expectBothBranches(counter, 'complete', { runs: 100, accepted: 1, rejected: 1, fields: ['a'], perField: 1 }),
    ).not.toThrow();
  });
});

describe('per-field minimums', () => {
  test('a field never rejected (or never accepted) fails', () => {
    const counter = new BranchCounter<'a' | 'b'>();
    for (let i = 0; i < 10; i++) counter.record(['a', 'b'], true);
    for (let i = 0; i < 10; i++) counter.record(['a', 'b'], false, ['a']);
    expect(() => expectPerField(counter, 'b unrejected', { fields: ['a', 'b'], perField: 1 })).toThrow(/"field": "b"/);
    expect(() => expectPerField(counter, 'a only', { fields: ['a'], perField: 10 })).not.toThrow();
    expect(() => expectPerField(counter, 'a, more', { fields: ['a'], perField: 11 })).toThrow();
  });

  test('a rejection counts for the fields its error named, not every field the case changed', () => {
    const counter = new BranchCounter<'a' | 'b'>();
    counter.record(['a', 'b'], false, ['b']);
    expect(counter.perField.get('a')).toBeUndefined();
    expect(counter.perField.get('b')).toEqual({ accepted: 0, rejected: 1 });
  });

  test('counters of several properties add up', () => {
    const one = new BranchCounter<'a' | 'b'>();
    const two = new BranchCounter<'a' | 'b'>();
    one.record(['a'], true);
    two.record(['a', 'b'], false, ['a', 'b']);
    two.record(['b'], true);
    const sum = BranchCounter.sum([one, two]);
    expect({
      accepted: sum.accepted,
      rejected: sum.rejected,
      a: sum.perField.get('a'),
      b: sum.perField.get('b'),
    }).toEqual({
      accepted: 2,
      rejected: 1,
      a: { accepted: 1, rejected: 1 },
      b: { accepted: 1, rejected: 1 },
    });
  });

  // Poisson lower tails, computed independently: P(X < m) <= 1e-4 < P(X < m + 1).
  test.each([
    [0, 0],
    [3.36, 0],
    [9.3, 1],
    [12.6, 2],
    [27, 10],
    [37, 17],
  ])('reliableMinimum(%d) is %d', (expected, minimum) => {
    expect(reliableMinimum(expected)).toBe(minimum);
  });

  test('a large run does not underflow', () => {
    expect(reliableMinimum(6000)).toBeGreaterThan(5650);
    expect(reliableMinimum(6000)).toBeLessThan(5750);
  });

  test('at the CI sizes', () => {
    const { fewFieldCases: few, manyFieldCases: many } = CASE_MIXES;
    expect(branchMinimums(1000, few)).toEqual({ runs: 1000, accepted: 269, rejected: 387, perField: 10 });
    expect(branchMinimums(1000, many)).toEqual({ runs: 1000, accepted: 208, rejected: 449, perField: 17 });
    expect(branchMinimums(125, few)).toEqual({ runs: 125, accepted: 20, rejected: 32, perField: 0 });
    expect(branchMinimums(125, many)).toEqual({ runs: 125, accepted: 14, rejected: 39, perField: 0 });
    // properties 1 to 3 of template.properties.test.ts together
    expect(reliableMinimum(125 * (few.rarestFieldBranch + 2 * many.rarestFieldBranch))).toBe(2);
  });
});
