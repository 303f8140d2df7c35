/**
 * GitHub's official OpenAPI description (from @octokit/openapi) as the source of truth for
 * routing and request validation.
 *
 * Start-up cost matters (every Jest file that starts a stand-in pays it), so:
 *  - the description is loaded once per process (module-level cache);
 *  - the first load on a machine writes trimmed copies (no examples / prose) into os.tmpdir(),
 *    keyed by package version + file size + mtime. Routing and request validation need only the
 *    "core" copy (~0.6 MB: operations without responses, plus the component schemas request
 *    bodies use); the "full" copy (~3 MB, with response schemas) is read only when a test calls
 *    validateResponse(). Parsing the original 13 MB costs ~250 ms, the core copy ~15 ms;
 *  - ajv validators are compiled lazily, per operation, and only the component schemas an
 *    operation actually references are added to ajv (adding the whole document would make ajv
 *    walk all of it, ~250 ms).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const SPEC_FILE = require.resolve('@octokit/openapi/generated/api.github.com.json');
const SPEC_VERSION: string = require('@octokit/openapi/package.json').version;

type Json = any; // the OpenAPI document is untyped JSON

export interface Operation {
  method: string; // upper case
  route: string; // OpenAPI path template, e.g. '/repos/{owner}/{repo}/git/trees'
  operationId: string;
  documentationUrl: string;
  /** JSON pointer (relative to the document) of the operation object. */
  pointer: string;
  op: Json;
}

export interface RouteMatch {
  operation: Operation;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: string;
  regex: RegExp;
  paramNames: string[];
  literalScore: number[]; // per template segment: 2 literal, 1 param, 0 multi-segment param
  methods: Map<string, Operation>;
}

// ---------------------------------------------------------------------------------------------
// Loading (once per process)

let loaded: { doc: Json; routes: Map<string, CompiledRoute[]>; loadMs: number; fromCache: boolean } | undefined;
let fullDoc: Json | undefined;

function cachePath(kind: 'core' | 'full'): string {
  const st = fs.statSync(SPEC_FILE);
  return path.join(
    os.tmpdir(),
    `github-standin-openapi-${SPEC_VERSION}-${st.size}-${Math.floor(st.mtimeMs)}-${kind}.json`,
  );
}

/** Drops prose and examples; keeps everything validation and routing need. Schema-aware:
 * inside `properties` every key is a property name (a property may be called "description"). */
function trim(node: Json, inPropertiesMap = false): Json {
  if (Array.isArray(node)) return node.map(n => trim(n));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (
      !inPropertiesMap &&
      ['description', 'summary', 'examples', 'example', 'title', 'x-github', 'x-octokit', 'tags'].includes(k)
    ) {
      continue;
    }
    out[k] = trim(v, !inPropertiesMap && (k === 'properties' || k === 'patternProperties'));
  }
  return out;
}

function writeCache(file: string, doc: Json): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(doc));
    fs.renameSync(tmp, file); // atomic: parallel Jest workers never read a half-written file
  } catch {
    // read-only tmp: fine, just slower next time
  }
}

/** Component schema names referenced (transitively) from `node`. */
function referencedSchemas(doc: Json, node: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach(n => referencedSchemas(doc, n, found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries<Json>(node)) {
      const m = k === '$ref' && typeof v === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(v) : null;
      if (m && !found.has(m[1])) {
        found.add(m[1]);
        referencedSchemas(doc, doc.components.schemas[m[1]], found);
      } else if (!m) referencedSchemas(doc, v, found);
    }
  }
  return found;
}

/** Builds both trimmed copies from the original description (first use on a machine). */
function buildCaches(): { core: Json; full: Json } {
  const original = JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8'));
  const full = {
    openapi: original.openapi,
    paths: trim(original.paths),
    components: {
      // keys of these maps are names, not keywords
      schemas: trim(original.components.schemas, true),
      parameters: trim(original.components.parameters, true),
      responses: trim(original.components.responses, true),
      headers: trim(original.components.headers, true),
    },
  };
  // externalDocs survive trim (documentation_url in error bodies comes from there)
  const corePaths: Json = {};
  for (const [route, item] of Object.entries<Json>(full.paths)) {
    corePaths[route] = {};
    for (const [method, op] of Object.entries<Json>(item)) {
      const { responses: _r, ...rest } = op;
      corePaths[route][method] = rest;
    }
  }
  const needed = referencedSchemas(full, { corePaths, parameters: full.components.parameters });
  const core = {
    openapi: full.openapi,
    paths: corePaths,
    components: {
      schemas: Object.fromEntries([...needed].map(name => [name, full.components.schemas[name]])),
      parameters: full.components.parameters,
    },
  };
  writeCache(cachePath('full'), full);
  writeCache(cachePath('core'), core);
  return { core, full };
}

function loadDocument(): { doc: Json; fromCache: boolean } {
  try {
    return { doc: JSON.parse(fs.readFileSync(cachePath('core'), 'utf8')), fromCache: true };
  } catch {
    // first use on this machine (or the cache is corrupt): build it
  }
  const { core, full } = buildCaches();
  fullDoc = full;
  return { doc: core, fromCache: false };
}

/** The description including response schemas (tests only). */
function getFullDoc(): Json {
  if (!fullDoc) {
    try {
      fullDoc = JSON.parse(fs.readFileSync(cachePath('full'), 'utf8'));
    } catch {
      fullDoc = buildCaches().full;
    }
  }
  return fullDoc;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function compileRoutes(doc: Json): Map<string, CompiledRoute[]> {
  const byFirst = new Map<string, CompiledRoute[]>();
  for (const [route, item] of Object.entries<Json>(doc.paths)) {
    const methods = new Map<string, Operation>();
    const multiSegment = new Set<string>();
    for (const m of HTTP_METHODS) {
      const op = item[m];
      if (!op) continue;
      methods.set(m.toUpperCase(), {
        method: m.toUpperCase(),
        route,
        operationId: op.operationId,
        documentationUrl: op.externalDocs?.url ?? 'https://docs.github.com/rest',
        pointer: `/paths/${escapePointer(route)}/${m}`,
        op,
      });
      for (const p of op.parameters ?? []) {
        const param = resolve(doc, p);
        if (param.in === 'path' && param['x-multi-segment']) multiSegment.add(param.name);
      }
    }
    const segments = route.split('/').slice(1);
    const paramNames: string[] = [];
    const literalScore: number[] = [];
    let source = '^';
    segments.forEach((seg, i) => {
      const last = i === segments.length - 1;
      const whole = /^\{([^}]+)\}$/.exec(seg);
      if (whole && multiSegment.has(whole[1])) {
        // x-multi-segment params (ref, path, branch…) may contain '/'. A trailing file path may
        // also be empty: GET /repos/o/r/contents lists the root directory.
        paramNames.push(whole[1]);
        literalScore.push(0);
        const mayBeEmpty = last && (whole[1] === 'path' || whole[1] === 'dir');
        source += mayBeEmpty ? '(?:/(.*))?' : '/(.+?)';
      } else if (whole) {
        paramNames.push(whole[1]);
        literalScore.push(1);
        source += '/([^/]+)';
      } else if (seg.includes('{')) {
        // e.g. compare/{base}...{head}
        literalScore.push(1);
        source +=
          '/' +
          seg.replace(/\{([^}]+)\}|([^{]+)/g, (_m, name: string, lit: string) => {
            if (name) {
              paramNames.push(name);
              return '([^/]+?)';
            }
            return lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          });
      } else {
        literalScore.push(2);
        source += '/' + seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
    });
    source += '/?$';
    const compiled: CompiledRoute = { route, regex: new RegExp(source), paramNames, literalScore, methods };
    const first = segments[0] ?? '';
    if (!byFirst.has(first)) byFirst.set(first, []);
    byFirst.get(first)!.push(compiled);
  }
  return byFirst;
}

export function getSpec(): { doc: Json; routes: Map<string, CompiledRoute[]>; loadMs: number; fromCache: boolean } {
  if (!loaded) {
    const t0 = performance.now();
    const { doc, fromCache } = loadDocument();
    const routes = compileRoutes(doc);
    loaded = { doc, routes, loadMs: performance.now() - t0, fromCache };
  }
  return loaded;
}

function resolve(doc: Json, node: Json): Json {
  let current = node;
  for (let guard = 0; current && current.$ref && guard < 10; guard++) {
    current = pointer(doc, current.$ref.replace(/^#/, ''));
  }
  return current;
}

function pointer(doc: Json, ptr: string): Json {
  let node = doc;
  for (const raw of ptr.split('/').slice(1)) {
    node = node?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function compareScores(a: number[], b: number[]): number {
  const la = a.filter(s => s === 2).length;
  const lb = b.filter(s => s === 2).length;
  if (la !== lb) return la - lb;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Finds the documented operation for a concrete path (without the /api/v3 prefix and without the
 * query). Among templates that match the path AND document the method, the most specific wins
 * (most literal segments), like GitHub's router. Undefined → GitHub answers 404.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const { routes } = getSpec();
  const first = rawPath.split('/')[1] ?? '';
  let best: { route: CompiledRoute; m: RegExpExecArray } | undefined;
  for (const candidate of routes.get(first) ?? []) {
    if (!candidate.methods.has(method)) continue;
    const m = candidate.regex.exec(rawPath);
    if (!m) continue;
    if (!best || compareScores(candidate.literalScore, best.route.literalScore) > 0) best = { route: candidate, m };
  }
  if (!best) return undefined;
  const params: Record<string, string> = {};
  try {
    best.route.paramNames.forEach((name, i) => {
      params[name] = decodeURIComponent(best!.m[i + 1] ?? '');
    });
  } catch {
    return undefined; // malformed %-escape: GitHub answers 404 too
  }
  return { operation: best.route.methods.get(method)!, params };
}

// ---------------------------------------------------------------------------------------------
// Validation

const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
addFormats(ajv);
for (const f of ['int32', 'int64', 'double', 'repo.nwo', 'binary', 'timestamp']) ajv.addFormat(f, true);

const COMPONENT_PREFIX = 'https://standin.invalid/components/';
const addedComponents = new Set<string>();

/** Deep-copies a schema, rewriting `#/components/...` refs to standalone ajv schema ids and
 * registering each referenced component (transitively) with ajv on first use. */
function standalone(doc: Json, schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(s => standalone(doc, s));
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.nullable === true && schema.type === undefined) {
    // OpenAPI 3.0 allows `nullable` next to $ref/anyOf; ajv only next to `type`
    const { nullable: _n, ...rest } = schema;
    return { anyOf: [{ type: 'null' }, standalone(doc, rest)] };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries<Json>(schema)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/')) {
      const id = COMPONENT_PREFIX + v.slice('#/components/'.length);
      if (!addedComponents.has(id)) {
        addedComponents.add(id); // before recursing: schemas may be recursive
        ajv.addSchema(standalone(doc, pointer(doc, v.slice(1))), id);
      }
      out[k] = id;
    } else {
      out[k] = standalone(doc, v);
    }
  }
  return out;
}

const validatorCache = new Map<string, ValidateFunction | null>();

/** Lazily compiled validator for the schema at a JSON pointer (null when there is none). */
export function validatorAt(ptr: string, doc: Json = getSpec().doc): ValidateFunction | null {
  if (validatorCache.has(ptr)) return validatorCache.get(ptr)!;
  const schema = pointer(doc, ptr);
  const fn = schema ? ajv.compile(standalone(doc, schema)) : null;
  validatorCache.set(ptr, fn);
  return fn;
}

export interface ParamSpec {
  name: string;
  in: string;
  required: boolean;
  schema: Json;
  validate: () => ValidateFunction; // compiled on first use
}

const paramCache = new Map<string, ParamSpec[]>();

export function operationParams(operation: Operation): ParamSpec[] {
  const key = operation.pointer;
  if (!paramCache.has(key)) {
    const { doc } = getSpec();
    paramCache.set(
      key,
      (operation.op.parameters ?? []).map((p: Json) => {
        const param = resolve(doc, p);
        const schema = resolve(doc, param.schema ?? {});
        let compiled: ValidateFunction | undefined;
        const validate = () => (compiled ??= ajv.compile(standalone(doc, schema)));
        return { name: param.name, in: param.in, required: !!param.required, schema, validate };
      }),
    );
  }
  return paramCache.get(key)!;
}

/** Query strings are text; convert to the documented type so ajv can check it (like GitHub's
 * own coercion: per_page=abc is rejected, per_page=50 is a number). */
function coerce(value: string | string[], schema: Json): unknown {
  if (schema.type === 'array') {
    const items = Array.isArray(value) ? value : value.split(',');
    return items.map(v => coerce(v, schema.items ?? {}));
  }
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  if (schema.type === 'integer' || schema.type === 'number') return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (schema.type === 'boolean') return v === 'true' ? true : v === 'false' ? false : v;
  return v;
}

/** Validates path and query parameters; returns the coerced query and any problems. */
export function validateParams(
  operation: Operation,
  pathParams: Record<string, string>,
  query: URLSearchParams,
): { query: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const coerced: Record<string, unknown> = {};
  for (const p of operationParams(operation)) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    const raw =
      p.in === 'path' ? pathParams[p.name] : query.getAll(p.name).length > 1 ? query.getAll(p.name) : query.get(p.name);
    if (raw === undefined || raw === null) {
      if (p.required) problems.push(`"${p.name}" wasn't supplied.`);
      continue;
    }
    const value = coerce(raw, p.schema);
    const validate = p.validate();
    if (!validate(value))
      problems.push(...describeErrors(validate.errors ?? [], value, `${p.in === 'path' ? 'path' : 'query'}/${p.name}`));
    if (p.in === 'query') coerced[p.name] = value;
  }
  return { query: coerced, problems };
}

/** The JSON pointer of the operation's application/json request body schema, if any. */
export function requestBodyPointer(operation: Operation): string | undefined {
  const content = operation.op.requestBody?.content;
  if (!content?.['application/json']?.schema) return undefined;
  return `${operation.pointer}/requestBody/content/application~1json/schema`;
}

export function validateBody(operation: Operation, body: unknown): string[] {
  const ptr = requestBodyPointer(operation);
  if (!ptr) return [];
  const validate = validatorAt(ptr)!;
  if (validate(body)) return [];
  return describeErrors(validate.errors ?? [], body, undefined);
}

/** Top-level keys the request body schema declares (empty when there is no body). */
export function declaredBodyKeys(operation: Operation): Set<string> {
  const ptr = requestBodyPointer(operation);
  if (!ptr) return new Set();
  const { doc } = getSpec();
  return new Set(Object.keys(resolve(doc, pointer(doc, ptr))?.properties ?? {}));
}

/**
 * Body keys the description does not declare, at any depth (`"x" is not a permitted key.`).
 * GitHub silently ignores most of them, which hides a client's typo (`has_wikis`): the stand-in
 * refuses them instead, on every route, except the top-level keys in `tolerated` (known keys of
 * a third-party client, ServerDeps.toleratedBodyKeys). Objects that allow additional properties,
 * and oneOf/anyOf alternatives, are not second-guessed.
 */
export function undeclaredBodyKeys(operation: Operation, body: unknown, tolerated: readonly string[] = []): string[] {
  const ptr = requestBodyPointer(operation);
  if (!ptr) return [];
  const { doc } = getSpec();
  const problems: string[] = [];
  const walk = (schema: Json, value: unknown, where: string) => {
    const s = resolve(doc, schema);
    if (!s || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      if (s.items) value.forEach(item => walk(s.items, item, `${where}/items`));
      return;
    }
    if (!s.properties || s.additionalProperties || s.patternProperties || s.oneOf || s.anyOf) return;
    for (const [key, child] of Object.entries(value)) {
      if (!(key in s.properties)) problems.push(`"${where ? `${where}/` : ''}${key}" is not a permitted key.`);
      else walk(s.properties[key], child, where ? `${where}/${key}` : key);
    }
  };
  const topLevel = body && typeof body === 'object' && !Array.isArray(body) ? body : undefined;
  const checked = topLevel
    ? Object.fromEntries(Object.entries(topLevel).filter(([k]) => !tolerated.includes(k)))
    : body;
  walk(pointer(doc, ptr), checked, '');
  return problems;
}

function rubyish(value: unknown): string {
  // GitHub's validator is Ruby: null prints as nil
  return value === null ? 'nil' : JSON.stringify(value);
}

function valueAt(root: unknown, instancePath: string): unknown {
  let node: any = root;
  for (const raw of instancePath.split('/').slice(1)) node = node?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

/** Turns ajv errors into GitHub's sentences, e.g. `For 'properties/private', "yes" is not a boolean.`
 * and `"name" wasn't supplied.` (the exact wording GitHub uses for these two cases). */
export function describeErrors(errors: ErrorObject[], root: unknown, paramLabel: string | undefined): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    // oneOf/anyOf umbrellas repeat what their branches already said
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') continue;
    const value = valueAt(root, e.instancePath);
    const where =
      paramLabel ??
      (e.instancePath ? `properties${e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '/items')}` : 'links/0/schema');
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        out.add(e.instancePath ? `For '${where}', "${missing}" wasn't supplied.` : `"${missing}" wasn't supplied.`);
        break;
      }
      case 'type': {
        const t = (e.params as { type: string }).type;
        const article = /^[aeiou]/.test(t) ? 'an' : 'a';
        out.add(`For '${where}', ${rubyish(value)} is not ${article} ${t}.`);
        break;
      }
      case 'enum':
        out.add(
          `For '${where}', ${rubyish(value)} is not a member of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}.`,
        );
        break;
      case 'additionalProperties':
        out.add(`"${(e.params as { additionalProperty: string }).additionalProperty}" is not a permitted key.`);
        break;
      default:
        out.add(`For '${where}', ${rubyish(value)} ${e.message ?? 'is invalid'}.`);
    }
  }
  return [...out];
}

/** For tests: validate a response body against the documented response schema. */
export function validateResponse(method: string, route: string, status: number, body: unknown): string[] {
  const doc = getFullDoc();
  const base = `/paths/${escapePointer(route)}/${method.toLowerCase()}/responses/${status}`;
  const response = resolve(doc, pointer(doc, base));
  if (!response) return [`${method} ${route} documents no ${status} response`];
  const ptr = response === pointer(doc, base) ? `${base}/content/application~1json/schema` : undefined;
  const schema = ptr ? pointer(doc, ptr) : response.content?.['application/json']?.schema;
  if (!schema) return [`${method} ${route} ${status} has no application/json schema`];
  const validate = ptr ? validatorAt(ptr, doc)! : ajv.compile(standalone(doc, schema));
  if (validate(body)) return [];
  return (validate.errors ?? []).map(e => `${e.instancePath || '/'} ${e.message} (${e.schemaPath})`);
}

export function specStats(): { loadMs: number; fromCache: boolean; operations: number } {
  const s = getSpec();
  let operations = 0;
  for (const list of s.routes.values()) for (const r of list) operations += r.methods.size;
  return { loadMs: s.loadMs, fromCache: s.fromCache, operations };
}
