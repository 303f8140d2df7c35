/**
 * The REST calls the tests make against a running Backstage backend, with a
 * bearer token (the harness's static external-access token, or any other).
 */
import { JsonObject } from '@backstage/types';
import { retryWithBackoff } from '../../src/util/retry';

export type TaskResult = { status: string; output: any; log: string[] };

export type ScaffolderActionInfo = {
  id: string;
  description?: string;
  schema?: { input?: any; output?: any };
  examples?: Array<{ description: string; example: string }>;
};

/** Thrown while a polled condition does not hold yet; anything else stops the polling at once. */
class NotYet extends Error {}

/** Polls `check` (backing off from 100 ms to 1 s) until it returns a value or `timeoutMs` passes. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  try {
    return await retryWithBackoff(
      async () => {
        const value = await check();
        if (value === undefined) throw new NotYet();
        return value;
      },
      { minDelayMs: 100, maxDelayMs: 1000, maxTimeMs: timeoutMs, retryIf: error => error instanceof NotYet },
    );
  } catch (error) {
    throw error instanceof NotYet ? new Error(`${what}: not within ${timeoutMs} ms`) : error;
  }
}

export class BackstageApi {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** fetch() against the backend, with the token; `path` starts with `/api/…`. */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    if (init.body) headers.set('content-type', 'application/json');
    return fetch(`${this.baseUrl}${path}`, { ...init, headers });
  }

  async json<T = any>(path: string, init: RequestInit = {}, expectedStatus = 200): Promise<T> {
    const response = await this.request(path, init);
    const text = await response.text();
    if (response.status !== expectedStatus) {
      throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} (expected ${expectedStatus}) ${text}`);
    }
    return JSON.parse(text) as T;
  }

  listActions(): Promise<ScaffolderActionInfo[]> {
    return this.json('/api/scaffolder/v2/actions');
  }

  /** Registers a catalog location by URL, as "Register existing component" does. */
  registerLocation(target: string): Promise<{ location: { id: string }; entities: any[] }> {
    return this.json('/api/catalog/locations', { method: 'POST', body: JSON.stringify({ type: 'url', target }) }, 201);
  }

  async getEntity(ref: string): Promise<any | undefined> {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    const response = await this.request(
      `/api/catalog/entities/by-name/${encodeURIComponent(kind)}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`,
    );
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`GET entity ${ref}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  }

  waitForEntity(ref: string, timeoutMs = 30_000): Promise<any> {
    return pollUntil(`${ref} in the catalog`, timeoutMs, () => this.getEntity(ref));
  }

  /** Starts a task the way the Create form does; returns its id. */
  async startTask(templateRef: string, values: JsonObject, secrets?: Record<string, string>): Promise<string> {
    const body = await this.json<{ id: string }>(
      '/api/scaffolder/v2/tasks',
      { method: 'POST', body: JSON.stringify({ templateRef, values, secrets }) },
      201,
    );
    return body.id;
  }

  /** Waits for a task to finish; returns its status, output and log lines. */
  async waitForTask(taskId: string, timeoutMs = 90_000): Promise<TaskResult> {
    const task = await pollUntil(`task ${taskId} finished`, timeoutMs, async () => {
      const current = await this.json(`/api/scaffolder/v2/tasks/${taskId}`);
      return ['completed', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
    });
    const events = await this.json<any[]>(`/api/scaffolder/v2/tasks/${taskId}/events`);
    return {
      status: task.status,
      output: events.find(e => e.type === 'completion')?.body?.output ?? {},
      log: events.filter(e => e.type === 'log').map(e => String(e.body?.message ?? '')),
    };
  }
}
