/**
 * The part of Go's text/template (with Sprig) that the platform's
 * ApplicationSet uses: `{{ .a.b }}` field references piped through `lower`,
 * `upper` and `replace "old" "new"`. Anything else is refused with the
 * expression named, so a template the verifier cannot evaluate is a finding,
 * never a silent pass. Missing keys are errors, as with Argo CD's
 * `missingkey=error`.
 */
import { isRecord } from '../util';

const ACTION = /\{\{-?\s*([\s\S]*?)\s*-?\}\}/g;

export class TemplateError extends Error {}

export function renderGoTemplate(text: string, params: Record<string, unknown>): string {
  return text.replace(ACTION, (_whole, body: string) => {
    const [head, ...pipes] = splitPipes(body);
    let value = lookup(head, params, body);
    for (const pipe of pipes) value = applyFunction(pipe, value, body);
    return value;
  });
}

/** Renders every string in a JSON-like value (keys stay as written). */
export function renderDeep<T>(value: T, params: Record<string, unknown>): T {
  if (typeof value === 'string') return renderGoTemplate(value, params) as T;
  if (Array.isArray(value)) return value.map(v => renderDeep(v, params)) as T;
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, params)])) as T;
  return value;
}

function splitPipes(body: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of body) {
    if (ch === '"') quoted = !quoted;
    if (ch === '|' && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function lookup(reference: string, params: Record<string, unknown>, body: string): string {
  if (!/^(\.[A-Za-z_][\w]*)+$/.test(reference))
    throw new TemplateError(`{{ ${body} }}: only field references such as .path.basename are supported here`);
  let value: unknown = params;
  for (const key of reference.slice(1).split('.')) {
    if (!isRecord(value) || !(key in value))
      throw new TemplateError(`{{ ${body} }}: map has no entry for key "${key}" (missingkey=error)`);
    value = value[key];
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    throw new TemplateError(`{{ ${body} }}: ${reference} is not a scalar`);
  return String(value);
}

function applyFunction(pipe: string, value: string, body: string): string {
  const args = [...pipe.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map(m =>
    m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2],
  );
  const [name, ...rest] = args;
  if (name === 'lower' && rest.length === 0) return value.toLowerCase();
  if (name === 'upper' && rest.length === 0) return value.toUpperCase();
  if (name === 'replace' && rest.length === 2) return value.split(rest[0]).join(rest[1]);
  throw new TemplateError(
    `{{ ${body} }}: function "${pipe}" is not supported here (lower, upper, replace "old" "new")`,
  );
}
