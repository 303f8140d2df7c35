/**
 * The scaffolder's `/v2/dry-run` call, for the embedded scaffolder and a
 * running Backstage alike. Kept apart from the embedded backend so that
 * `--remote` does not load the scaffolder.
 */
import { JsonObject, JsonValue } from '@backstage/types';
import { TemplateBundle } from './templateBundle';

export type DryRunFile = { path: string; executable: boolean; content: Buffer };
export type DryRunLogLine = { message: string; stepId?: string; status?: string };

export type DryRunResult =
  | {
      ok: true;
      files: DryRunFile[];
      log: DryRunLogLine[];
      output: Record<string, JsonValue>;
      steps: Array<{ id: string; name: string; action: string }>;
    }
  | { ok: false; status: number; errors: string[] };

/** Posts a dry-run to any scaffolder (embedded or a running Backstage) and normalises its answer. */
export async function postDryRun(
  apiUrl: string,
  bundle: TemplateBundle,
  values: JsonObject,
  secrets?: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<DryRunResult> {
  const request = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      template: bundle.template,
      values,
      secrets: secrets ?? {},
      directoryContents: bundle.directoryContents,
    }),
  };
  // A dry-run has no side effects, so a request lost on a kept-alive connection
  // the server closed at the same moment is simply sent again, once.
  const url = `${apiUrl}/v2/dry-run`;
  const response = await fetch(url, request)
    .catch(error => {
      if (!isDroppedConnection(error)) throw error;
      return fetch(url, request);
    })
    .catch(error => {
      // undici's own message is only "fetch failed": say where, and why (e.g. ECONNREFUSED).
      const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
      const why = cause?.code ?? cause?.message;
      throw new Error(`POST ${url}: ${(error as Error).message}${why ? ` (${String(why)})` : ''}`, { cause: error });
    });
  const body: any = await response.json().catch(() => ({}));
  if (response.status === 200) {
    return {
      ok: true,
      steps: body.steps ?? [],
      output: body.output ?? {},
      log: (body.log ?? []).map((l: any) => ({
        message: l.body?.message,
        stepId: l.body?.stepId,
        status: l.body?.status,
      })),
      files: (body.directoryContents ?? []).map((f: any) => ({
        path: f.path,
        executable: Boolean(f.executable),
        content: Buffer.from(f.base64Content, 'base64'),
      })),
    };
  }
  // 400 with `errors` is the form schema; an `error` object is a failed step (e.g. InputError).
  const errors: string[] = Array.isArray(body.errors)
    ? body.errors.map((e: any) => describeSchemaError(e))
    : [body.error?.message ?? `HTTP ${response.status}`];
  // A server may echo what it was sent (an unknown token, say): never pass credentials on.
  const credentials = Object.values(headers)
    .map(v => v.replace(/^(Bearer|token)\s+/i, ''))
    .filter(v => v.length >= 4);
  const redact = (text: string) => credentials.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  return { ok: false, status: response.status, errors: errors.map(e => truncate(redact(e))) };
}

/** undici's "fetch failed" whose cause is a socket the server closed or reset. */
export function isDroppedConnection(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  return ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(String(cause?.code));
}

/** The scaffolder quotes the offending value in its errors; a hostile megabyte is not worth printing. */
const MAX_ERROR_LENGTH = 1000;
function truncate(text: string): string {
  return text.length <= MAX_ERROR_LENGTH
    ? text
    : `${text.slice(0, MAX_ERROR_LENGTH)}… (${text.length - MAX_ERROR_LENGTH} more characters)`;
}

/** jsonschema's errors as "field: message". */
export function describeSchemaError(error: any): string {
  // jsonschema errors: property "instance.port", message "must be greater than or equal to 1024"
  const field = String(error.property ?? '').replace(/^instance\.?/, '') || String(error.path?.join?.('.') ?? '');
  return field ? `${field}: ${error.message}` : String(error.stack ?? error.message);
}
