/**
 * Properties 1 and 3 of issue 6 on many more cases (FC_RUNS, default 1000
 * each), with the template's steps run in memory (support/inMemoryPipeline.ts):
 * the same form schema, step-input rendering, skeleton renderer and checks as
 * the real dry-run, without the task machinery that makes a dry-run cost
 * ~0.2 s. The first test proves, on FC_DIFF cases, that the in-memory run
 * gives byte-for-byte the files (or the errors) of the real /v2/dry-run; the
 * real dry-run properties are in template.properties.test.ts (knobs and seed
 * documented there and in support/knobs.ts).
 */
import fc from 'fast-check';
import { JsonObject } from '@backstage/types';
import { EmbeddedScaffolder, startEmbeddedScaffolder } from '../../cli/src/dryrun/embeddedScaffolder';
import { loadTemplateBundle, TemplateBundle } from '../../cli/src/dryrun/templateBundle';
import { TEMPLATE_FILE } from '../support/rendered';
import { applyChanges, changedFields, Field, FIELDS, fewFieldCases, manyFieldCases } from './support/arbitraries';
import { InMemoryPipeline } from './support/inMemoryPipeline';
import {
  BranchCounter,
  configureFastCheck,
  DIFF_CASES,
  expectBothBranches,
  propertySeed,
  branchMinimums,
  CASE_MIXES,
  CaseMix,
  RUNS,
  runBudget,
  timeoutFor,
} from './support/knobs';
import { assertNoProblems, namedFields, RenderModel, rejectionProblems, short } from './support/model';

configureFastCheck();

/**
 * About 45 ms per case on average on the 2-core CI machine (an accepted one:
 * ~20 ms rendering under Jest, ~25 ms for the module's actions and the
 * workspace on disk, a few ms of checks; a rejected one much less).
 */
const MS_PER_CASE = 45;

let scaffolder: EmbeddedScaffolder;
let bundle: TemplateBundle;
let pipeline: InMemoryPipeline;
let model: RenderModel;

beforeAll(async () => {
  scaffolder = await startEmbeddedScaffolder();
  bundle = loadTemplateBundle(TEMPLATE_FILE);
  pipeline = new InMemoryPipeline(bundle);
  // The model comes from the real backend, so the in-memory run is held to it.
  model = await RenderModel.build(async values => {
    const result = await scaffolder.dryRun(bundle, values as JsonObject);
    if (!result.ok) throw new Error(`model values were refused: ${result.errors.join('\n')}`);
    return result.files;
  });
}, 60_000);
afterAll(() => scaffolder?.stop());

/**
 * Each branch, overall and per field (accepted with it changed, rejected
 * naming it), as often as a fresh seed cannot miss by chance (knobs.ts,
 * branchMinimums): on 1000 cases, per field at least 10 (property 1) and 17
 * (property 3); per field none below 250-350 cases.
 */
const branches = (mix: CaseMix) => ({ ...branchMinimums(RUNS, mix), fields: FIELDS });

it(
  "the in-memory run gives the real dry-run's files and errors, byte for byte",
  async () => {
    const cases = [
      ...fc.sample(fewFieldCases, { seed: propertySeed(21), numRuns: Math.ceil(DIFF_CASES / 2) }),
      ...fc.sample(manyFieldCases, { seed: propertySeed(22), numRuns: Math.floor(DIFF_CASES / 2) }),
    ];
    expect(cases).toHaveLength(DIFF_CASES);
    let accepted = 0;
    for (const changes of cases) {
      const values = applyChanges(changes);
      const real = await scaffolder.dryRun(bundle, values as JsonObject);
      const inMemory = await pipeline.dryRun(values);
      const view = (r: typeof real) =>
        r.ok
          ? { ok: true, files: r.files.map(f => `${f.path} ${f.content.toString('base64')}`).sort() }
          : { ok: false, status: r.status, errors: r.errors };
      expect({ changes: short(changes), ...view(inMemory) }).toEqual({ changes: short(changes), ...view(real) });
      if (real.ok) accepted++;
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(cases.length);
  },
  timeoutFor(DIFF_CASES, 300),
);

it(
  `property 1 in memory (${RUNS} cases): a value is refused naming its field, or every rendered file is still exactly valid`,
  async () => {
    const counter = new BranchCounter<Field>();
    await fc.assert(
      fc.asyncProperty(fewFieldCases, async changes => {
        const values = applyChanges(changes);
        const result = await pipeline.dryRun(values);
        counter.record(changedFields(changes), result.ok, result.ok ? [] : namedFields(result.errors));
        assertNoProblems(result.ok ? model.acceptedProblems(values, result.files) : rejectionProblems(changes, result));
      }),
      { numRuns: RUNS, seed: propertySeed(11), plugins: [runBudget(RUNS, MS_PER_CASE)] },
    );
    expectBothBranches(counter, 'property 1 in memory', branches(CASE_MIXES.fewFieldCases));
  },
  timeoutFor(RUNS, MS_PER_CASE),
);

it(
  `property 3 in memory (${RUNS} cases): no value changes a field, expression or relation it does not feed`,
  async () => {
    const counter = new BranchCounter<Field>();
    await fc.assert(
      fc.asyncProperty(manyFieldCases, async changes => {
        const values = applyChanges(changes);
        const result = await pipeline.dryRun(values);
        counter.record(changedFields(changes), result.ok, result.ok ? [] : namedFields(result.errors));
        assertNoProblems(
          result.ok ? model.injectionProblems(values, result.files) : rejectionProblems(changes, result),
        );
      }),
      { numRuns: RUNS, seed: propertySeed(13), plugins: [runBudget(RUNS, MS_PER_CASE)] },
    );
    expectBothBranches(counter, 'property 3 in memory', branches(CASE_MIXES.manyFieldCases));
  },
  timeoutFor(RUNS, MS_PER_CASE),
);
