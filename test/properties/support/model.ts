import { validateWorkflow } from '@action-validator/core';
import { CommonValidatorFunctions, KubernetesValidatorFunctions, parseEntityRef } from '@backstage/catalog-model';
import path from 'node:path';
import YAML from 'yaml';
import { DryRunFile } from '../../../cli/src/dryrun/embeddedScaffolder';
import { ENVIRONMENTS, SEED_TREE, SEED_VALUES, fileText, kustomizeAll } from '../../support/rendered';
import { Changes, changedFields, Field, VALIDATE_INPUT_NAME } from './arbitraries';

/**
 * The model every accepted render is compared with.
 *
 * It is built from real renders of "probe" values: distinctive values that
 * appear nowhere else in the skeleton (zqnamezq, ZQDESCZQ, port 4321, ...).
 * Replacing each probe value by a case's value gives, file by file, exactly
 * what that case must render: every key, every document, every string, with
 * the user's values only where the probe values were. One probe is rendered
 * per environment, since the environment picks branches ({% if %}).
 */

export type Env = (typeof ENVIRONMENTS)[number];

/** The values as the skeleton receives them, after the validate action normalised them. */
export type Normalised = {
  name: string;
  description: string;
  owner: string;
  replicas: number;
  storageSize: string;
  mountPath: string;
  port: number;
  repoOwner: string;
  repoName: string;
};
type Key = keyof Normalised;

const PROBE: Normalised = {
  name: 'zqnamezq',
  description: 'ZQDESCZQ',
  owner: 'group:default/zqownerzq',
  replicas: 7,
  storageSize: '77Gi',
  mountPath: '/zqmountzq',
  port: 4321,
  repoOwner: 'zqorgzq',
  repoName: 'zqrepozq',
};

export function probeValues(environment: Env): Record<string, unknown> {
  return {
    ...SEED_VALUES,
    component_id: PROBE.name,
    description: PROBE.description,
    owner: PROBE.owner,
    environment,
    replicas: PROBE.replicas,
    storageSize: PROBE.storageSize,
    mountPath: PROBE.mountPath,
    port: PROBE.port,
    repoUrl: `github.com?owner=${PROBE.repoOwner}&repo=${PROBE.repoName}`,
  };
}

const TOKEN_KEYS = new Map<string, Key>(
  (Object.entries(PROBE) as Array<[Key, string | number]>).map(([key, value]) => [String(value), key]),
);
// The replica count 7 is only a token where it stands alone (not inside 0.1.0, 10001, ...).
// CODEOWNERS names the owner as GitHub does: @<org>/<group> for a group, @<user> for a user.
const CODE_OWNER_TOKEN = `@${PROBE.repoOwner}/zqownerzq`;
const TOKENS =
  /@zqorgzq\/zqownerzq|group:default\/zqownerzq|zqnamezq|ZQDESCZQ|77Gi|\/zqmountzq|4321|zqorgzq|zqrepozq|(?<![\w.])7(?![\w.])/g;

function codeOwner(n: Normalised): string {
  const ref = parseEntityRef(n.owner, { defaultKind: 'group', defaultNamespace: 'default' });
  return ref.kind.toLowerCase() === 'user' ? `@${ref.name}` : `@${n.repoOwner}/${ref.name}`;
}

function substituteText(text: string, n: Normalised): string {
  return text.replace(TOKENS, token => (token === CODE_OWNER_TOKEN ? codeOwner(n) : String(n[TOKEN_KEYS.get(token)!])));
}

function substitute(value: unknown, n: Normalised): unknown {
  if (typeof value === 'string') return substituteText(value, n);
  if (value === PROBE.replicas) return n.replicas;
  if (value === PROBE.port) return n.port;
  if (Array.isArray(value)) return value.map(v => substitute(v, n));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substituteText(k, n), substitute(v, n)]));
  }
  return value;
}

/** Which normalised values appear in a piece of probe output. */
function tokensIn(value: unknown): Set<Key> {
  const keys = new Set<Key>();
  if (value === PROBE.replicas) keys.add('replicas');
  if (value === PROBE.port) keys.add('port');
  if (typeof value === 'string') {
    for (const match of value.matchAll(TOKENS)) {
      if (match[0] === CODE_OWNER_TOKEN) keys.add('owner').add('repoOwner');
      else keys.add(TOKEN_KEYS.get(match[0])!);
    }
  }
  return keys;
}

/** The form field each normalised value comes from. */
const SOURCE_FIELD: Record<Key | 'environment', Field> = {
  name: 'component_id',
  description: 'description',
  owner: 'owner',
  replicas: 'replicas',
  storageSize: 'storageSize',
  mountPath: 'mountPath',
  port: 'port',
  repoOwner: 'repoUrl',
  repoName: 'repoUrl',
  environment: 'environment',
};

export const isYaml = (file: string) => /\.ya?ml$/.test(file);
/** Files Kubernetes tools read; they parse YAML 1.1, where y/n/yes/no/on/off are booleans. */
const isKubernetes = (file: string) => file.startsWith('deploy/');
export const WORKFLOW = '.github/workflows/delivery.yml';

// ---------------------------------------------------------------------------
// Parsing helpers
// ---------------------------------------------------------------------------

/**
 * Parses are memoised by text (read-only results): most cases leave most
 * files byte-identical to an earlier case's, and parsing is most of the cost
 * of checking a case.
 */
function memo<T>(size: number, compute: (text: string) => T): (text: string) => T {
  const cache = new Map<string, T>();
  return text => {
    let value = cache.get(text);
    if (value === undefined) {
      if (cache.size >= size) cache.clear();
      value = compute(text);
      cache.set(text, value);
    }
    return value;
  };
}

const parse12 = memo(4000, text => {
  const documents = YAML.parseAllDocuments(text, { uniqueKeys: true });
  const errors = documents.flatMap(d => d.errors.map(e => e.message.split('\n')[0]));
  return errors.length ? { errors } : { docs: documents.map(d => d.toJS()) as unknown[] };
});
const parse11 = memo(4000, text => YAML.parseAllDocuments(text, { version: '1.1' }).map(d => d.toJS()) as unknown[]);

/** Every document of a YAML file, or a problem: YAML errors and duplicate keys both count. */
export function parseYaml(text: string, file: string): { docs?: unknown[]; problem?: string } {
  const parsed = parse12(text);
  return parsed.docs
    ? { docs: parsed.docs }
    : { problem: `${file} is no longer valid YAML: ${parsed.errors!.join('; ')}` };
}

/** The first place two parsed values differ, with both sides; undefined when equal (types included). */
export function firstDifference(actual: unknown, expected: unknown, at = ''): string | undefined {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(actual) !== kind(expected)) {
    return `${at || '/'}: expected ${kind(expected)} ${short(expected)}, got ${kind(actual)} ${short(actual)}`;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length)
      return `${at || '/'}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < actual.length; i++) {
      const d = firstDifference(actual[i], expected[i], `${at}/${i}`);
      if (d) return d;
    }
    return undefined;
  }
  if (actual && typeof actual === 'object') {
    const a = Object.keys(actual).sort();
    const e = Object.keys(expected as object).sort();
    const added = a.filter(k => !e.includes(k));
    const missing = e.filter(k => !a.includes(k));
    if (added.length || missing.length) {
      return `${at || '/'}: keys differ (new: ${short(added)}, missing: ${short(missing)})`;
    }
    for (const k of a) {
      const d = firstDifference((actual as any)[k], (expected as any)[k], `${at}/${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (Number.isNaN(actual) && Number.isNaN(expected)) return undefined;
  return actual === expected ? undefined : `${at || '/'}: expected ${short(expected)}, got ${short(actual)}`;
}

export function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function firstTextDifference(actual: string, expected: string): string | undefined {
  if (actual === expected) return undefined;
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}: expected ${short(e[i])}, got ${short(a[i])}`;
  }
  return 'differs';
}

/**
 * YAML 1.1 readers (go-yaml in kubectl, kustomize's Kustomization decoding,
 * Argo CD) turn plain y/n/yes/no/on/off into booleans. Compares the 1.1 and
 * 1.2 readings of a file. (The `yaml` package's 1.1 schema also reads words
 * like "e5" as NaN, which go-yaml does not: those are ignored.)
 */
function yaml11Difference(text: string, docs12: unknown[]): string | undefined {
  const docs11 = parse11(text);
  const quirk = (a: unknown, b: unknown) =>
    typeof a === 'number' && Number.isNaN(a) && typeof b === 'string' && /^[^-+0-9.]/.test(b);
  const compare = (a: unknown, b: unknown, at: string): string | undefined => {
    if (quirk(a, b)) return undefined;
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const d = compare((a as any)[k], (b as any)[k], `${at}/${k}`);
        if (d) return d;
      }
      return undefined;
    }
    return firstDifference(a, b, at);
  };
  return compare(docs11, docs12, '');
}

/** Dockerfile instructions in order, continuation lines joined. */
export function dockerInstructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map(l => l.split(/\s+/)[0].toUpperCase());
}

const EXPRESSION = /\$\{\{[\s\S]*?\}\}/g;

/** GitHub expressions, `uses:` and `run:` values of a workflow, each with its place. */
export function workflowCode(text: string, doc: unknown): string[] {
  const found = [...text.matchAll(EXPRESSION)].map(m => `expression ${m[0]}`);
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${at}/${i}`));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'run' || k === 'uses') && typeof v !== 'object') found.push(`${at}/${k}: ${v}`);
        walk(v, `${at}/${k}`);
      }
    }
  };
  walk(doc, '');
  return found.sort();
}

const workflowErrors = new Map<string, string[]>();
/** action-validator's findings for a workflow text (memoised: it only changes with name and environment). */
export function workflowValidation(text: string): string[] {
  let errors = workflowErrors.get(text);
  if (!errors) {
    const { log, warn } = console;
    console.log = () => undefined; // it warns about every paths glob it cannot check
    console.warn = () => undefined;
    try {
      errors = validateWorkflow(text).errors.map(e => `${e.title}${e.detail ? `: ${e.detail}` : ''}`);
    } finally {
      console.log = log;
      console.warn = warn;
    }
    workflowErrors.set(text, errors);
  }
  return errors;
}

// ---------------------------------------------------------------------------
// Independent readings of what the validate action must have produced
// ---------------------------------------------------------------------------

const QUANTITY_FACTORS: Record<string, bigint> = {
  '': 1n,
  Ki: 2n ** 10n,
  Mi: 2n ** 20n,
  Gi: 2n ** 30n,
  Ti: 2n ** 40n,
  Pi: 2n ** 50n,
  Ei: 2n ** 60n,
  k: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
  E: 10n ** 18n,
};

export function quantityBytes(text: unknown): bigint | undefined {
  const m = typeof text === 'string' ? /^(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(text) : null;
  if (!m) return undefined;
  const [, whole, fraction = '', unit = ''] = m;
  const numerator = BigInt(whole + fraction) * QUANTITY_FACTORS[unit];
  const scale = 10n ** BigInt(fraction.length);
  return numerator % scale === 0n ? numerator / scale : undefined;
}

/** The owner/repo query parameters the way the scaffolder's parseRepoUrl reads them. */
export function repoParts(repoUrl: unknown): { owner?: string; repo?: string } {
  try {
    const url = new URL(`https://${repoUrl}`);
    const param = (p: string) => url.searchParams.get(p)?.replace(/^\/+|\/+$/g, '') ?? undefined;
    return { owner: param('owner'), repo: param('repo') };
  } catch {
    return {};
  }
}

/** A catalog owner reference: exactly one string, a valid Group or User reference. */
export function ownerRefProblem(owner: unknown): string | undefined {
  if (typeof owner !== 'string') return `spec.owner is ${short(owner)}, not one string`;
  let ref;
  try {
    ref = parseEntityRef(owner);
  } catch (e) {
    return `spec.owner ${short(owner)} is not an entity reference (${(e as Error).message})`;
  }
  if (!['group', 'user'].includes(ref.kind)) return `spec.owner ${short(owner)} is not a Group or User`;
  if (!CommonValidatorFunctions.isValidDnsLabel(ref.namespace))
    return `spec.owner ${short(owner)} has an invalid namespace`;
  if (!KubernetesValidatorFunctions.isValidObjectName(ref.name))
    return `spec.owner ${short(owner)} has an invalid name`;
  if (owner !== `${ref.kind}:${ref.namespace}/${ref.name}`) return `spec.owner ${short(owner)} is not written in full`;
  return undefined;
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

type ExpectedFile = { yaml?: unknown[]; text: string };

export class RenderModel {
  private readonly probeDocs: Record<string, Record<string, unknown[]>> = {};
  private readonly taint = new Map<string, Set<Key | 'environment'>>();
  private readonly seedLeaves: Map<string, unknown>;
  private kustomizeProbe?: Record<string, unknown[]>;
  readonly seedNormalised: Normalised;
  readonly seedInstructions: string[];

  constructor(
    readonly seedFiles: DryRunFile[],
    readonly probes: Record<Env, DryRunFile[]>,
  ) {
    for (const env of ENVIRONMENTS) {
      this.probeDocs[env] = {};
      for (const file of SEED_TREE.filter(isYaml)) {
        const parsed = parseYaml(fileText(probes[env], file), file);
        if (!parsed.docs) throw new Error(`probe render (${env}): ${parsed.problem}`);
        this.probeDocs[env][file] = parsed.docs;
      }
    }
    // Which leaves each value feeds (from the probe), and which the environment decides.
    for (const env of ENVIRONMENTS) {
      for (const [leaf, value] of leavesOf(this.probeDocs[env])) {
        const keys = this.taint.get(leaf) ?? new Set();
        for (const k of tokensIn(value)) keys.add(k);
        for (const k of tokensIn(leaf)) keys.add(k);
        const dev = leavesOf(this.probeDocs.dev).get(leaf);
        if (firstDifference(value, dev) !== undefined) keys.add('environment');
        this.taint.set(leaf, keys);
      }
    }
    this.seedNormalised = {
      name: SEED_VALUES.component_id,
      description: SEED_VALUES.description,
      owner: SEED_VALUES.owner,
      replicas: SEED_VALUES.replicas,
      storageSize: SEED_VALUES.storageSize,
      mountPath: SEED_VALUES.mountPath,
      port: SEED_VALUES.port,
      repoOwner: repoParts(SEED_VALUES.repoUrl).owner!,
      repoName: repoParts(SEED_VALUES.repoUrl).repo!,
    };
    this.seedLeaves = leavesOf(
      Object.fromEntries(SEED_TREE.filter(isYaml).map(f => [f, parseYaml(fileText(seedFiles, f), f).docs!])),
    );
    this.seedInstructions = dockerInstructions(fileText(seedFiles, 'Dockerfile'));
  }

  static async build(render: (values: Record<string, unknown>) => Promise<DryRunFile[]>): Promise<RenderModel> {
    const seed = await render(SEED_VALUES);
    const probes = {} as Record<Env, DryRunFile[]>;
    for (const env of ENVIRONMENTS) probes[env] = await render(probeValues(env));
    return new RenderModel(seed, probes);
  }

  /** What every file must contain for these normalised values. */
  expected(n: Normalised, environment: Env): Map<string, ExpectedFile> {
    const out = new Map<string, ExpectedFile>();
    for (const file of SEED_TREE) {
      const text = substituteText(fileText(this.probes[environment], file), n);
      out.set(
        file,
        isYaml(file) ? { yaml: substitute(this.probeDocs[environment][file], n) as unknown[], text } : { text },
      );
    }
    return out;
  }

  /**
   * Reads the normalised values a case must have rendered: from the inputs
   * where the rule is simple, from the render where the validate action
   * rewrites (owner, storageSize), checking the rewrite independently.
   */
  normalise(values: Record<string, any>, files: DryRunFile[]): { n?: Normalised; env?: Env; problems: string[] } {
    const problems: string[] = [];
    const env = values.environment as Env;
    if (!(ENVIRONMENTS as readonly string[]).includes(env)) problems.push(`environment ${short(env)} was accepted`);
    const catalog = parseYaml(textOr(files, 'catalog-info.yaml'), 'catalog-info.yaml');
    const owner = (catalog.docs?.[0] as any)?.spec?.owner;
    const ownerProblem = ownerRefProblem(owner);
    if (ownerProblem) problems.push(`catalog-info.yaml: ${ownerProblem}`);
    else {
      let input;
      try {
        input = parseEntityRef(String(values.owner), { defaultKind: 'group', defaultNamespace: 'default' });
      } catch {
        problems.push(`owner ${short(values.owner)} was accepted but is not an entity reference`);
      }
      // Entity references compare case-insensitively; the catalog's canonical form is lowercase.
      const same = input && `${input.kind}:${input.namespace}/${input.name}`.toLowerCase() === owner.toLowerCase();
      if (input && !same) problems.push(`owner ${short(values.owner)} rendered as ${short(owner)}`);
    }
    const sts = parseYaml(textOr(files, 'deploy/base/statefulset.yaml'), 'deploy/base/statefulset.yaml');
    const storage = (sts.docs?.[0] as any)?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
    const inputBytes = quantityBytes(values.storageSize);
    if (typeof storage !== 'string' || !/^\d+(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(storage)) {
      problems.push(`statefulset storage ${short(storage)} is not a whole Kubernetes quantity`);
    } else if (inputBytes === undefined || quantityBytes(storage) !== inputBytes) {
      problems.push(`storageSize ${short(values.storageSize)} rendered as ${storage}, a different size`);
    }
    const repo = repoParts(values.repoUrl);
    if (problems.length) return { problems };
    return {
      env,
      problems,
      n: {
        name: values.component_id,
        description: values.description ?? '',
        owner,
        replicas: values.replicas,
        storageSize: storage,
        mountPath: path.posix.normalize(values.mountPath).replace(/\/+$/, ''),
        port: values.port,
        repoOwner: repo.owner ?? '',
        repoName: repo.repo ?? '',
      },
    };
  }

  /**
   * Property 1, accepted branch: every file is exactly what the model says,
   * plus the checks issue 6 names one by one (valid workflow, same Dockerfile
   * instructions, description verbatim, valid owner reference).
   */
  acceptedProblems(values: Record<string, any>, files: DryRunFile[]): string[] {
    const problems = pathProblems(files);
    const { n, env, problems: normaliseProblems } = this.normalise(values, files);
    problems.push(...normaliseProblems);
    if (!n || !env) return problems;
    const expectedFiles = this.expected(n, env);
    for (const [file, expected] of expectedFiles) {
      const text = files.find(f => f.path === file)?.content.toString('utf8');
      if (text === undefined) continue; // reported by pathProblems
      if (expected.yaml) {
        const parsed = parseYaml(text, file);
        if (!parsed.docs) {
          problems.push(parsed.problem!);
          continue;
        }
        const kinds = (docs: unknown[]) => docs.map((d: any) => `${d?.apiVersion ?? ''} ${d?.kind ?? ''}`).join(', ');
        if (kinds(parsed.docs) !== kinds(expected.yaml)) {
          problems.push(`${file}: documents are [${kinds(parsed.docs)}], expected [${kinds(expected.yaml)}]`);
        }
        const d = firstDifference(parsed.docs, expected.yaml);
        if (d) problems.push(`${file}: ${d}`);
        if (isKubernetes(file)) {
          const d11 = yaml11Difference(text, parsed.docs);
          if (d11) problems.push(`${file} reads differently in YAML 1.1 (kubectl, kustomize): ${d11}`);
        }
      } else {
        const d = firstTextDifference(text, expected.text);
        if (d) problems.push(`${file}: ${d}`);
      }
    }
    // The checks issue 6 lists, stated on their own.
    const catalog = parseYaml(textOr(files, 'catalog-info.yaml'), 'catalog-info.yaml').docs?.[0] as any;
    if (catalog && catalog.metadata?.description !== (values.description ?? '')) {
      problems.push(
        `catalog-info.yaml: metadata.description is ${short(catalog.metadata?.description)}, not the description ${short(values.description)}`,
      );
    }
    const workflow = textOr(files, WORKFLOW);
    for (const e of workflowValidation(workflow)) problems.push(`${WORKFLOW} is not a valid workflow: ${e}`);
    const expectedWorkflow = expectedFiles.get(WORKFLOW)!;
    const actualDoc = parseYaml(workflow, WORKFLOW).docs?.[0];
    const code = workflowCode(workflow, actualDoc);
    const expectedCode = workflowCode(expectedWorkflow.text, expectedWorkflow.yaml![0]);
    if (code.join('\n') !== expectedCode.join('\n')) {
      problems.push(`${WORKFLOW}: expressions/uses/run changed: ${short(code.filter(c => !expectedCode.includes(c)))}`);
    }
    const instructions = dockerInstructions(textOr(files, 'Dockerfile'));
    if (instructions.join(' ') !== this.seedInstructions.join(' ')) {
      problems.push(
        `Dockerfile instructions are ${instructions.join(' ')}, expected ${this.seedInstructions.join(' ')}`,
      );
    }
    return problems;
  }

  /**
   * Property 3: compared with the seed's render, a leaf may only change where
   * a value that feeds it changed (the probe shows which values feed which
   * leaves); GitHub expressions, uses: and run: only change with name and
   * environment; the catalog entity keeps one owner and no new relations.
   */
  injectionProblems(values: Record<string, any>, files: DryRunFile[]): string[] {
    const problems: string[] = [];
    const { n, env, problems: normaliseProblems } = this.normalise(values, files);
    problems.push(...normaliseProblems);
    if (!n || !env) return problems;
    const changed = new Set<Key | 'environment'>(
      (Object.keys(n) as Key[]).filter(k => n[k] !== this.seedNormalised[k]),
    );
    if (env !== SEED_VALUES.environment) changed.add('environment');

    const docs: Record<string, unknown[]> = {};
    for (const file of SEED_TREE.filter(isYaml)) {
      const parsed = parseYaml(textOr(files, file), file);
      if (!parsed.docs) {
        problems.push(parsed.problem!);
        return problems;
      }
      docs[file] = parsed.docs;
    }
    const leaves = leavesOf(docs);
    for (const leaf of new Set([...leaves.keys(), ...this.seedLeaves.keys()])) {
      if (!leaves.has(leaf)) problems.push(`${leaf} disappeared`);
      else if (!this.seedLeaves.has(leaf)) problems.push(`${leaf} is new (${short(leaves.get(leaf))})`);
      else if (firstDifference(leaves.get(leaf), this.seedLeaves.get(leaf)) !== undefined) {
        const fedBy = this.taint.get(leaf) ?? new Set();
        if (![...fedBy].some(k => changed.has(k))) {
          problems.push(
            `${leaf} changed to ${short(leaves.get(leaf))} although nothing feeding it changed (fed by ${[...fedBy].map(k => SOURCE_FIELD[k]).join(', ') || 'no value'}; changed: ${[...changed].map(k => SOURCE_FIELD[k]).join(', ')})`,
          );
        }
      }
    }
    // Line by line for the files that are code (Dockerfile RUN lines, app.py).
    for (const file of ['Dockerfile', 'app.py']) {
      const probe = fileText(this.probes[env], file).split('\n');
      const seed = fileText(this.seedFiles, file).split('\n');
      const actual = textOr(files, file).split('\n');
      if (actual.length !== seed.length) {
        problems.push(`${file} has ${actual.length} lines instead of ${seed.length}`);
        continue;
      }
      actual.forEach((line, i) => {
        if (line === seed[i]) return;
        const fedBy = tokensIn(probe[i]);
        if (
          ![...fedBy].some(k => changed.has(k)) &&
          !(changed.has('environment') && probe[i] !== fileText(this.probes.dev, file).split('\n')[i])
        ) {
          problems.push(`${file} line ${i + 1} changed to ${short(line)} although nothing feeding it changed`);
        }
      });
    }
    // GitHub Actions: only name and environment may reach expressions, uses: and run:.
    const workflow = textOr(files, WORKFLOW);
    const expected = this.expected(n, env).get(WORKFLOW)!;
    const code = workflowCode(workflow, docs[WORKFLOW][0]);
    const expectedCode = workflowCode(expected.text, expected.yaml![0]);
    const extra = code.filter(c => !expectedCode.includes(c));
    const lost = expectedCode.filter(c => !code.includes(c));
    if (extra.length || lost.length)
      problems.push(`${WORKFLOW}: expressions/uses/run changed (new ${short(extra)}, lost ${short(lost)})`);
    // Catalog: the same keys, exactly one owner, no relation the template did not write.
    const entity = docs['catalog-info.yaml'][0] as any;
    const seedEntity = parseYaml(fileText(this.seedFiles, 'catalog-info.yaml'), 'catalog-info.yaml').docs![0] as any;
    const keys = (o: unknown) =>
      Object.keys((o as object) ?? {})
        .sort()
        .join(',');
    if (docs['catalog-info.yaml'].length !== 1)
      problems.push(`catalog-info.yaml has ${docs['catalog-info.yaml'].length} documents`);
    for (const part of ['', 'metadata', 'metadata.annotations', 'spec']) {
      const pick = (o: any) => (part ? part.split('.').reduce((x, k) => x?.[k], o) : o);
      if (keys(pick(entity)) !== keys(pick(seedEntity))) {
        problems.push(
          `catalog-info.yaml ${part || 'entity'} keys are ${keys(pick(entity))}, expected ${keys(pick(seedEntity))}`,
        );
      }
    }
    const ownerProblem = ownerRefProblem(entity?.spec?.owner);
    if (ownerProblem) problems.push(`catalog-info.yaml: ${ownerProblem}`);
    return problems;
  }

  /** `kubectl kustomize` of every overlay equals the probe's, with this case's values. */
  kustomizeProblems(values: Record<string, any>, files: DryRunFile[]): string[] {
    const { n, problems } = this.normalise(values, files);
    if (!n) return problems;
    this.kustomizeProbe ??= normaliseHashes(kustomizeAll(this.probes.dev)) as Record<string, unknown[]>;
    let built;
    try {
      built = normaliseHashes(kustomizeAll(files));
    } catch (e: any) {
      return [
        `kubectl kustomize failed: ${String(e.stderr || e.message)
          .trim()
          .split('\n')
          .pop()}`,
      ];
    }
    const d = firstDifference(built, substitute(this.kustomizeProbe, n));
    return d ? [`kubectl kustomize output differs from the model: ${d}`] : [];
  }
}

function textOr(files: DryRunFile[], file: string): string {
  return files.find(f => f.path === file)?.content.toString('utf8') ?? '';
}

/** Every scalar (and empty collection) of a set of parsed files, by path: file#doc/key/... */
function leavesOf(docsByFile: Record<string, unknown[]>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node) && node.length) node.forEach((v, i) => walk(v, `${at}/${i}`));
    else if (node && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length) {
      for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
    } else out.set(at, node);
  };
  for (const [file, docs] of Object.entries(docsByFile)) docs.forEach((d, i) => walk(d, `${file}#${i}`));
  return out;
}

/** kustomize names generated ConfigMaps <name>-config-<hash of content>: keep the name, drop the hash. */
function normaliseHashes(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/-config-[a-z0-9]{10}"/g, '-config-HASH"'));
}

// ---------------------------------------------------------------------------
// Paths and rejections
// ---------------------------------------------------------------------------

/** Property 2: every rendered path is a plain relative path inside the target folder, and the tree is the seed's. */
export function pathProblems(files: DryRunFile[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { path: p } of files) {
    if (typeof p !== 'string' || p === '') {
      problems.push(`empty path ${short(p)}`);
      continue;
    }
    const segments = p.split('/');
    if (p.startsWith('/') || path.isAbsolute(p) || /^[A-Za-z]:/.test(p)) problems.push(`absolute path ${short(p)}`);
    else if (segments.some(s => s === '..' || s === '.' || s === ''))
      problems.push(`path ${short(p)} has a "..", "." or empty segment`);
    else if (/[\\\u0000-\u001f]/.test(p)) problems.push(`path ${short(p)} has a backslash or control character`);
    else if (!SEED_TREE.includes(p)) problems.push(`path ${short(p)} is not in the seed's tree`);
    if (seen.has(p)) problems.push(`path ${short(p)} rendered twice`);
    seen.add(p);
  }
  for (const p of SEED_TREE) if (!seen.has(p)) problems.push(`${p} was not rendered`);
  return problems;
}

/** The fields an error message names, as form field names. */
export function namedFields(errors: string[]): Set<Field> {
  const named = new Set<Field>();
  for (const line of errors.join('\n').split('\n')) {
    const direct = /^(?:- )?([A-Za-z_]+): /.exec(line);
    if (direct && VALIDATE_INPUT_NAME[direct[1]]) named.add(VALIDATE_INPUT_NAME[direct[1]]);
    for (const m of line.matchAll(/requires property "([A-Za-z_]+)"/g)) {
      if (VALIDATE_INPUT_NAME[m[1]]) named.add(VALIDATE_INPUT_NAME[m[1]]);
    }
  }
  return named;
}

/** Property 1, rejected branch: a clean 4xx whose message names a field the case changed, and no other. */
export function rejectionProblems(changes: Changes, result: { status: number; errors: string[] }): string[] {
  const problems: string[] = [];
  const changed = changedFields(changes);
  const named = namedFields(result.errors);
  const message = short(result.errors.join(' | '));
  if (result.status < 400 || result.status >= 500)
    problems.push(`rejected with HTTP ${result.status}, not a 4xx: ${message}`);
  if (named.size === 0) problems.push(`rejected without naming a field (changed: ${changed.join(', ')}): ${message}`);
  const stray = [...named].filter(f => !changed.includes(f));
  if (stray.length)
    problems.push(
      `the error names ${stray.join(', ')}, which this case did not change (changed: ${changed.join(', ')}): ${message}`,
    );
  return problems;
}

export function assertNoProblems(problems: string[]): void {
  if (problems.length) throw new Error(problems.join('\n'));
}
