/**
 * Injected failures, answered the way GitHub answers them so that retry/throttling code (e.g.
 * @octokit/plugin-retry and @octokit/plugin-throttling) reacts as it would in production.
 *
 * plugin-throttling@8 (dist-node/index.js, retryLimiter 'failed' handler) only looks at 403s:
 *  - secondary limit  ⇐ /\bsecondary rate\b/i on the error message; waits `retry-after` seconds;
 *  - primary limit    ⇐ header x-ratelimit-remaining === "0"; waits until x-ratelimit-reset + 1 s.
 * A 429 is not recognised by that version (plugin-retry does not retry 429 either), so 429 is
 * available for the primary limit only on request (status: 429).
 */
import { getSpec } from './openapi';
import { Fault, HeldRequest, HoldOutcome, RecordedRequest } from './types';

export interface FaultAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';
const SECONDARY_DOCS =
  'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';

/** Routes that answer "not ready" right after repository creation. */
/** The only request a 'different-tree' fault applies to. */
const CREATE_TREE_ROUTE = '/repos/{owner}/{repo}/git/trees';
const NOT_READY_ROUTE = /^\/repos\/\{owner\}\/\{repo\}\/(git\/|contents\/)/;

export class FaultQueue {
  private faults: Array<Fault & { remaining: number }> = [];
  private readonly gates = new Set<NonNullable<Fault['gate']>>();

  inject(fault: Fault): void {
    if (fault.kind === 'hold' && !fault.gate)
      throw new Error('github-standin: hold a request with hold(), not inject()');
    if (typeof fault.route === 'string') {
      // a typo in a route template would silently never fire: refuse it
      const known = [...getSpec().routes.values()].some(list => list.some(r => r.route === fault.route));
      if (!known) throw new Error(`github-standin: inject(): '${fault.route}' is not a documented route template`);
    }
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** A 'hold' fault for the next matching request, and the handle the test steers it with. */
  hold(filter: Pick<Fault, 'method' | 'route'>): HeldRequest {
    let arrive!: (request: RecordedRequest) => void;
    const arrived = new Promise<RecordedRequest>(resolve => (arrive = resolve));
    let release: ((outcome: HoldOutcome) => void) | undefined;
    let decided: HoldOutcome | undefined;
    const gate: NonNullable<Fault['gate']> = {
      hold: request => {
        arrive(request);
        return decided ? Promise.resolve(decided) : new Promise(resolve => (release = resolve));
      },
      release: outcome => {
        decided ??= outcome;
        release?.(decided);
        this.gates.delete(gate);
      },
    };
    this.gates.add(gate);
    this.inject({ ...filter, kind: 'hold', gate });
    return { arrived, process: () => gate.release('process'), drop: () => gate.release('drop') };
  }

  /** Drops every request still held (the server is closing). */
  dropHeld(): void {
    for (const gate of [...this.gates]) gate.release('drop');
  }

  /** Consumes one use of the first fault matching this request, if any. */
  take(method: string, route: string | undefined, path: string): Fault | undefined {
    const f = this.faults.find(x => {
      if (x.kind === 'different-tree' && !(method === 'POST' && route === CREATE_TREE_ROUTE)) return false;
      if (x.method && x.method.toUpperCase() !== method) return false;
      if (x.route === undefined) return x.kind !== 'not-ready' || (route !== undefined && NOT_READY_ROUTE.test(route));
      return typeof x.route === 'string' ? x.route === route : x.route.test(path);
    });
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults = this.faults.filter(x => x !== f);
    return f;
  }
}

export function faultAnswer(
  f: Fault,
  ctx: { login?: string; userId?: number; requestId: string; documentationUrl: string },
): FaultAnswer {
  const wait = f.retryAfterSeconds ?? 60;
  const nowSec = Math.floor(Date.now() / 1000);
  switch (f.kind) {
    case 'rate-limit': {
      const status = f.status ?? 403;
      const who = ctx.userId ? `user ID ${ctx.userId}` : '127.0.0.1';
      return {
        status,
        headers: {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-reset': String(nowSec + wait),
          'x-ratelimit-resource': 'core',
          ...f.headers,
        },
        body: f.body ?? {
          message: `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID ${ctx.requestId}.`,
          documentation_url: RATE_LIMIT_DOCS,
          status: String(status),
        },
      };
    }
    case 'secondary-rate-limit':
      return {
        status: 403,
        headers: { 'retry-after': String(wait), ...f.headers },
        body: f.body ?? {
          message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${ctx.requestId}.`,
          documentation_url: SECONDARY_DOCS,
          status: '403',
        },
      };
    case 'not-ready': {
      const status = f.status ?? 404;
      const message = status === 409 ? 'Git Repository is empty.' : 'Not Found';
      return {
        status,
        headers: { ...f.headers },
        body: f.body ?? { message, documentation_url: ctx.documentationUrl, status: String(status) },
      };
    }
    case 'status':
    default: {
      const status = f.status ?? 500;
      const message =
        status === 401
          ? 'Bad credentials'
          : status === 403
            ? 'Forbidden'
            : status === 404
              ? 'Not Found'
              : status === 502
                ? 'Server Error'
                : status >= 500
                  ? 'Server Error'
                  : 'Error';
      return {
        status,
        headers: { ...f.headers },
        body: f.body ?? { message, documentation_url: ctx.documentationUrl, status: String(status) },
      };
    }
  }
}
