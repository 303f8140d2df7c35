import { BackendFeature } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { JsonObject, JsonValue } from '@backstage/types';
import statefulAppModule from '@goldenpathidp/plugin-scaffolder-backend-module-stateful-app';
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

export type EmbeddedScaffolder = {
  /** Base URL of the scaffolder plugin's API, e.g. http://localhost:1234/api/scaffolder */
  apiUrl: string;
  dryRun(bundle: TemplateBundle, values: JsonObject, secrets?: Record<string, string>): Promise<DryRunResult>;
  stop(): Promise<void>;
};

/**
 * Starts the real scaffolder backend in-process with this module, the same
 * `/v2/dry-run` endpoint the template editor calls. Only the services around
 * it (auth, database, catalog) are Backstage's test doubles.
 */
export async function startEmbeddedScaffolder(
  options: {
    config?: JsonObject;
    extraFeatures?: Array<BackendFeature | Promise<{ default: BackendFeature }>>;
  } = {},
): Promise<EmbeddedScaffolder> {
  const backend = await startTestBackend({
    features: [
      import('@backstage/plugin-scaffolder-backend'),
      statefulAppModule,
      mockServices.rootConfig.factory({ data: options.config ?? {} }),
      catalogServiceMock.factory(),
      ...(options.extraFeatures ?? []),
    ],
  });
  const address = backend.server.address();
  if (!address || typeof address === 'string') throw new Error('embedded backend has no TCP address');
  const apiUrl = `http://127.0.0.1:${address.port}/api/scaffolder`;

  return {
    apiUrl,
    dryRun: (bundle, values, secrets) => postDryRun(apiUrl, bundle, values, secrets),
    stop: () => backend.stop(),
  };
}

/** Posts a dry-run to any scaffolder (embedded or a running Backstage) and normalises its answer. */
export async function postDryRun(
  apiUrl: string,
  bundle: TemplateBundle,
  values: JsonObject,
  secrets?: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<DryRunResult> {
  const send = () =>
    fetch(`${apiUrl}/v2/dry-run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        template: bundle.template,
        values,
        secrets: secrets ?? {},
        directoryContents: bundle.directoryContents,
      }),
    });
  // A dry-run changes nothing, so a request whose connection dropped before any answer is sent
  // again, once: a kept-alive socket the server closes just as fetch reuses it (likely after the
  // event loop was busy for longer than the keep-alive timeout) fails with ECONNRESET.
  const response = await send().catch(error => {
    if (!connectionDropped(error)) throw error;
    return send();
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

/** fetch's "fetch failed" caused by the connection closing or resetting, not by a refused one or an answer. */
function connectionDropped(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(String(code));
}

/** The scaffolder quotes the offending value in its errors; a hostile megabyte is not worth printing. */
const MAX_ERROR_LENGTH = 1000;
function truncate(text: string): string {
  return text.length <= MAX_ERROR_LENGTH
    ? text
    : `${text.slice(0, MAX_ERROR_LENGTH)}… (${text.length - MAX_ERROR_LENGTH} more characters)`;
}

function describeSchemaError(error: any): string {
  // jsonschema errors: property "instance.port", message "must be greater than or equal to 1024"
  const field = String(error.property ?? '').replace(/^instance\.?/, '') || String(error.path?.join?.('.') ?? '');
  return field ? `${field}: ${error.message}` : String(error.stack ?? error.message);
}
