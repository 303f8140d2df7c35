import fs from 'node:fs';
import path from 'node:path';
import YAML, { isAlias, isPair, isScalar, isSeq, LineCounter } from 'yaml';
import { CheckOutcome, Finding, outcome } from './types';
import { fieldPath, isRecord } from './util';

/** A parsed YAML file: its non-empty documents as plain data, or why it did not parse. */
export type ParsedYaml = {
  file: string;
  ok: boolean;
  docs: unknown[];
  /** Kept for the structure check, which needs the source nodes (anchors, tags, plain scalars). */
  documents: YAML.Document.Parsed[];
  lineCounter: LineCounter;
  text: string;
};

export const isYamlFile = (file: string) => /\.ya?ml$/i.test(file);

/**
 * Parses every .yaml/.yml file, every document in it. `uniqueKeys: true`
 * turns a duplicate key into an error: Go's YAML (kubectl) and the yaml
 * package would otherwise silently keep different copies of the value.
 */
export function parseYamlFiles(dir: string, files: string[]): Map<string, ParsedYaml> {
  const parsed = new Map<string, ParsedYaml>();
  for (const file of files.filter(isYamlFile)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const lineCounter = new LineCounter();
    const documents = YAML.parseAllDocuments(text, { uniqueKeys: true, lineCounter, prettyErrors: false });
    // parseAllDocuments returns an EmptyStream (a plain array with no documents) for empty files.
    const list = Array.isArray(documents) ? (documents as YAML.Document.Parsed[]) : [documents as YAML.Document.Parsed];
    let ok = list.every(d => d.errors.length === 0);
    const docs: unknown[] = [];
    if (ok) {
      try {
        for (const d of list) {
          const value = d.toJS({ maxAliasCount: 100 });
          if (value !== null && value !== undefined) docs.push(value);
        }
      } catch {
        ok = false;
      }
    }
    parsed.set(file, { file, ok, docs, documents: list, lineCounter, text });
  }
  return parsed;
}

/** yaml-parse: every YAML file parses, duplicate keys included. */
export function checkYamlParse(parsed: Map<string, ParsedYaml>): CheckOutcome {
  const findings: Finding[] = [];
  for (const p of parsed.values()) {
    for (const doc of p.documents) {
      for (const err of doc.errors) {
        const at = p.lineCounter.linePos(err.pos[0]);
        findings.push({
          file: p.file,
          message: `line ${at.line}, column ${at.col}: ${firstLine(err.message)} (${err.code})`,
        });
      }
    }
    if (!p.ok && !p.documents.some(d => d.errors.length)) {
      findings.push({ file: p.file, message: 'the documents could not be converted to data (alias expansion failed)' });
    }
  }
  if (parsed.size === 0)
    return {
      status: 'fail',
      findings: [{ file: '.', message: 'no YAML file found: this is not a generated golden-path repository' }],
    };
  return outcome(findings);
}

// ---------------------------------------------------------------------------
// no-structure-from-text
// ---------------------------------------------------------------------------

type Type = 'string' | 'integer' | 'boolean' | 'scalar';

/**
 * The shape one document of a golden-path file must have. Template values
 * (name, description, owner, mount path, size, port…) land in leaves; if one
 * of them turned into structure, the document gains keys or a leaf changes type.
 */
type DocShape = {
  kind?: string;
  /** Top-level keys that must be there. */
  required: string[];
  /** Top-level keys that may also be there (required ones are implied). */
  optional?: string[];
  /** Nested maps whose keys must stay within a known set. */
  mapKeys?: Record<string, string[]>;
  /** Leaves (dot paths, `[*]` for any item, `*` for any key) and the type they must have when present. */
  types?: Record<string, Type>;
};

type FileShape = { pattern: RegExp; docs: DocShape[] | 'any-count-of-first' };

const K8S_TOP = ['apiVersion', 'kind', 'metadata', 'spec'];
const METADATA_TYPES: Record<string, Type> = {
  apiVersion: 'string',
  kind: 'string',
  'metadata.name': 'string',
  'metadata.namespace': 'string',
  'metadata.labels.*': 'string',
  'metadata.annotations.*': 'string',
};
const K8S_METADATA_KEYS = { metadata: ['name', 'namespace', 'labels', 'annotations'] };
const POD = 'spec.template.spec';

const STATEFULSET: DocShape = {
  kind: 'StatefulSet',
  required: K8S_TOP,
  mapKeys: K8S_METADATA_KEYS,
  types: {
    ...METADATA_TYPES,
    'spec.serviceName': 'string',
    'spec.replicas': 'integer',
    'spec.selector.matchLabels.*': 'string',
    'spec.template.metadata.labels.*': 'string',
    [`${POD}.containers[*].name`]: 'string',
    [`${POD}.containers[*].image`]: 'string',
    [`${POD}.containers[*].ports[*].containerPort`]: 'integer',
    [`${POD}.containers[*].ports[*].name`]: 'string',
    [`${POD}.containers[*].env[*].name`]: 'string',
    [`${POD}.containers[*].env[*].value`]: 'string',
    [`${POD}.containers[*].volumeMounts[*].mountPath`]: 'string',
    [`${POD}.containers[*].volumeMounts[*].name`]: 'string',
    [`${POD}.containers[*].resources.requests.*`]: 'scalar',
    [`${POD}.containers[*].resources.limits.*`]: 'scalar',
    'spec.volumeClaimTemplates[*].metadata.name': 'string',
    'spec.volumeClaimTemplates[*].spec.storageClassName': 'string',
    'spec.volumeClaimTemplates[*].spec.resources.requests.storage': 'string',
  },
};
const PDB: DocShape = {
  kind: 'PodDisruptionBudget',
  required: K8S_TOP,
  mapKeys: K8S_METADATA_KEYS,
  types: { ...METADATA_TYPES, 'spec.selector.matchLabels.*': 'string' },
};
const SERVICE: DocShape = {
  kind: 'Service',
  required: K8S_TOP,
  mapKeys: K8S_METADATA_KEYS,
  types: {
    ...METADATA_TYPES,
    'spec.selector.*': 'string',
    'spec.ports[*].port': 'integer',
    'spec.ports[*].name': 'string',
  },
};
const INGRESS: DocShape = {
  kind: 'Ingress',
  required: K8S_TOP,
  mapKeys: K8S_METADATA_KEYS,
  types: {
    ...METADATA_TYPES,
    'spec.ingressClassName': 'string',
    'spec.rules[*].host': 'string',
    'spec.tls[*].hosts[*]': 'string',
    'spec.tls[*].secretName': 'string',
    'spec.rules[*].http.paths[*].backend.service.name': 'string',
  },
};
const KUSTOMIZATION_KEYS = [
  'namespace',
  'resources',
  'components',
  'labels',
  'commonLabels',
  'commonAnnotations',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'images',
  'patches',
  'replicas',
  'namePrefix',
  'nameSuffix',
  'buildMetadata',
];
const KUSTOMIZATION: DocShape = {
  kind: 'Kustomization',
  required: ['apiVersion', 'kind', 'resources'],
  optional: KUSTOMIZATION_KEYS,
  types: {
    apiVersion: 'string',
    kind: 'string',
    namespace: 'string',
    'resources[*]': 'string',
    'labels[*].pairs.*': 'string',
    'images[*].name': 'string',
    'images[*].newName': 'string',
    // An unquoted tag such as 1.10 would be read as the number 1.1.
    'images[*].newTag': 'string',
    'configMapGenerator[*].name': 'string',
    'configMapGenerator[*].literals[*]': 'string',
  },
};
const WORKFLOW: DocShape = {
  required: ['on', 'jobs'],
  optional: ['name', 'run-name', 'permissions', 'env', 'defaults', 'concurrency'],
  types: { name: 'string', 'jobs.*.uses': 'string', 'jobs.*.with.*': 'scalar', 'concurrency.group': 'string' },
};
const CATALOG_INFO: DocShape = {
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  mapKeys: {
    metadata: ['name', 'namespace', 'title', 'description', 'labels', 'annotations', 'tags', 'links'],
    spec: [
      'type',
      'lifecycle',
      'owner',
      'system',
      'subcomponentOf',
      'providesApis',
      'consumesApis',
      'dependsOn',
      'dependencyOf',
    ],
  },
  types: {
    apiVersion: 'string',
    kind: 'string',
    'metadata.name': 'string',
    'metadata.title': 'string',
    'metadata.description': 'string',
    'metadata.annotations.*': 'string',
    'metadata.labels.*': 'string',
    'metadata.tags[*]': 'string',
    'metadata.links[*].url': 'string',
    'metadata.links[*].title': 'string',
    'spec.type': 'string',
    'spec.lifecycle': 'string',
    'spec.owner': 'string',
  },
};

/** The golden path's YAML files and what each must contain. Other YAML files only get the generic checks. */
const FILE_SHAPES: FileShape[] = [
  { pattern: /^catalog-info\.yaml$/, docs: [CATALOG_INFO] },
  { pattern: /^deploy\/base\/statefulset\.yaml$/, docs: [STATEFULSET, PDB] },
  { pattern: /^deploy\/base\/service-headless\.yaml$/, docs: [SERVICE] },
  { pattern: /^deploy\/(base|overlays\/[^/]+)\/kustomization\.ya?ml$/, docs: [KUSTOMIZATION] },
  { pattern: /^deploy\/overlays\/[^/]+\/service\.yaml$/, docs: [SERVICE] },
  { pattern: /^deploy\/overlays\/[^/]+\/ingress\.yaml$/, docs: [INGRESS] },
  { pattern: /^\.github\/workflows\/[^/]+\.ya?ml$/, docs: [WORKFLOW] },
];

/**
 * no-structure-from-text: no text a user typed became YAML structure.
 * Three angles: (1) each golden-path file has exactly its documents, kinds,
 * top-level keys and leaf types; (2) no anchors, aliases or explicit tags
 * anywhere (the skeleton uses none, so one can only come from a value);
 * (3) under deploy/, no plain scalar that YAML 1.1 readers would read differently
 * from YAML 1.2 (e.g. `no`, `0755`, `1:20`): the Go YAML libraries around Kubernetes
 * do not agree on these (kustomize keeps `yes` a string but turns `0755` into 493).
 * Files that did not parse are left to yaml-parse.
 */
export function checkNoStructureFromText(parsed: Map<string, ParsedYaml>): CheckOutcome {
  const findings: Finding[] = [];
  const unparsed: string[] = [];
  for (const p of parsed.values()) {
    if (!p.ok) {
      unparsed.push(p.file);
      continue;
    }
    findings.push(...nodeFindings(p));
    const shape = FILE_SHAPES.find(s => s.pattern.test(p.file));
    if (shape && Array.isArray(shape.docs)) findings.push(...shapeFindings(p.file, p.docs, shape.docs));
    if (p.file.startsWith('deploy/')) findings.push(...yaml11Findings(p));
  }
  if (findings.length === 0 && unparsed.length > 0) {
    return {
      status: 'skip',
      findings: [],
      reason: `not checked because they do not parse (see yaml-parse): ${unparsed.join(', ')}`,
    };
  }
  return outcome(findings);
}

function nodeFindings(p: ParsedYaml): Finding[] {
  const findings: Finding[] = [];
  p.documents.forEach((doc, docIndex) => {
    YAML.visit(doc, {
      Node(_key, node, ancestors) {
        const where = () => {
          const at = p.lineCounter.linePos(node.range?.[0] ?? 0);
          return `line ${at.line}${p.documents.length > 1 ? ` (document ${docIndex + 1})` : ''}`;
        };
        const field = nodeField(ancestors, node);
        if (isAlias(node))
          findings.push({
            file: p.file,
            field,
            message: `${where()}: YAML alias *${node.source}: values must be written out, not shared`,
          });
        if ((node as any).anchor)
          findings.push({ file: p.file, field, message: `${where()}: YAML anchor &${(node as any).anchor}` });
        if ((node as any).tag)
          findings.push({ file: p.file, field, message: `${where()}: explicit YAML tag ${(node as any).tag}` });
      },
    });
  });
  return findings;
}

/** The field path of a node from the visitor's ancestor list. */
function nodeField(ancestors: readonly unknown[], node: unknown): string | undefined {
  const segs: Array<string | number> = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const here = chain[i];
    const next = chain[i + 1];
    if (isPair(here)) {
      const key = isScalar(here.key) ? String(here.key.value) : String(here.key);
      if (next !== here.key) segs.push(key);
    } else if (isSeq(here)) {
      segs.push(here.items.indexOf(next as any));
    }
  }
  return segs.length ? fieldPath(segs) : undefined;
}

function shapeFindings(file: string, docs: unknown[], shapes: DocShape[]): Finding[] {
  const findings: Finding[] = [];
  const expectedKinds = shapes.map(s => s.kind ?? 'document').join(', ');
  if (docs.length !== shapes.length) {
    findings.push({ file, message: `expected ${shapes.length} document(s) (${expectedKinds}), found ${docs.length}` });
  }
  docs.slice(0, shapes.length).forEach((doc, i) => {
    const shape = shapes[i];
    const label = shapes.length > 1 ? `document ${i + 1}: ` : '';
    if (!isRecord(doc)) {
      findings.push({
        file,
        message: `${label}expected a mapping (${shape.kind ?? 'document'}), found ${describe(doc)}`,
      });
      return;
    }
    if (shape.kind && doc.kind !== shape.kind) {
      findings.push({
        file,
        field: 'kind',
        message: `${label}expected kind ${shape.kind}, found ${JSON.stringify(doc.kind)}`,
      });
    }
    const allowed = new Set([...shape.required, ...(shape.optional ?? [])]);
    for (const key of shape.required) {
      if (!(key in doc)) findings.push({ file, field: key, message: `${label}missing top-level key "${key}"` });
    }
    for (const key of Object.keys(doc)) {
      if (!allowed.has(key)) findings.push({ file, field: key, message: `${label}unexpected top-level key "${key}"` });
    }
    for (const [mapPath, keys] of Object.entries(shape.mapKeys ?? {})) {
      for (const [segs, value] of select(doc, mapPath)) {
        if (!isRecord(value)) continue; // a wrong type here is reported by `types` or the schema checks
        for (const key of Object.keys(value)) {
          if (!keys.includes(key))
            findings.push({ file, field: fieldPath([...segs, key]), message: `${label}unexpected key "${key}"` });
        }
      }
    }
    for (const [leafPath, type] of Object.entries(shape.types ?? {})) {
      for (const [segs, value] of select(doc, leafPath)) {
        if (!hasType(value, type)) {
          findings.push({
            file,
            field: fieldPath(segs),
            message: `${label}expected ${type === 'scalar' ? 'a scalar' : type === 'integer' ? 'an integer' : `a ${type}`}, found ${describe(value)}`,
          });
        }
      }
    }
  });
  return findings;
}

/** Values at a dot path with `[*]` (every item) and `*` (every key); absent paths yield nothing. */
function select(root: unknown, pathExpr: string): Array<[Array<string | number>, unknown]> {
  const tokens = pathExpr.split('.').flatMap(part => {
    const m = /^([^[]*)((\[\*\])*)$/.exec(part)!;
    const stars = (m[2].match(/\[\*\]/g) ?? []).map(() => '[*]');
    return [...(m[1] ? [m[1]] : []), ...stars];
  });
  let current: Array<[Array<string | number>, unknown]> = [[[], root]];
  for (const token of tokens) {
    const next: Array<[Array<string | number>, unknown]> = [];
    for (const [segs, value] of current) {
      if (token === '[*]') {
        if (Array.isArray(value)) value.forEach((v, i) => next.push([[...segs, i], v]));
      } else if (token === '*') {
        if (isRecord(value)) for (const [k, v] of Object.entries(value)) next.push([[...segs, k], v]);
      } else if (isRecord(value) && token in value) {
        next.push([[...segs, token], value[token]]);
      }
    }
    current = next;
  }
  return current;
}

function hasType(value: unknown, type: Type): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'scalar':
      return ['string', 'number', 'boolean'].includes(typeof value);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return `a mapping with keys ${Object.keys(value as object).join(', ')}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Plain scalars whose meaning differs between YAML 1.2 (what we read) and YAML 1.1 (what older Go YAML libraries read). */
function yaml11Findings(p: ParsedYaml): Finding[] {
  const findings: Finding[] = [];
  let v11: YAML.Document.Parsed[];
  try {
    const docs = YAML.parseAllDocuments(p.text, { version: '1.1' });
    v11 = Array.isArray(docs) ? (docs as YAML.Document.Parsed[]) : [docs as YAML.Document.Parsed];
  } catch {
    return findings;
  }
  const a = p.documents.map(d => safeJS(d));
  const b = v11.map(d => safeJS(d));
  a.forEach((doc, i) =>
    diff(doc, b[i], [], (segs, x, y) => {
      findings.push({
        file: p.file,
        field: fieldPath(segs),
        message: `plain value read as ${JSON.stringify(x)} by YAML 1.2 but ${JSON.stringify(y)} by YAML 1.1 (Go YAML libraries in the Kubernetes toolchain differ on these; kustomize reads 0755 as 493): quote it`,
      });
    }),
  );
  return findings;
}

function safeJS(doc: YAML.Document.Parsed): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

function diff(
  x: unknown,
  y: unknown,
  segs: Array<string | number>,
  report: (s: Array<string | number>, x: unknown, y: unknown) => void,
): void {
  if (Array.isArray(x) && Array.isArray(y)) {
    x.forEach((v, i) => diff(v, y[i], [...segs, i], report));
  } else if (isRecord(x) && isRecord(y) && !(x instanceof Date) && !(y instanceof Date)) {
    for (const k of Object.keys(x)) diff(x[k], y[k], [...segs, k], report);
  } else if (!sameScalar(x, y)) {
    report(segs, x, y);
  }
}

function sameScalar(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x === 'number' && typeof y === 'number') return Number.isNaN(x) && Number.isNaN(y);
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  return false;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
