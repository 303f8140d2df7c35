/**
 * The HTTP front: every request goes through the same gates GitHub's would, in this order:
 *   record → route lookup (OpenAPI) → injected fault → credentials → 404 for undocumented
 *   routes → 401 without credentials → parameter/body validation (OpenAPI, ajv; body keys it does
 *   not declare are refused too) → handler.
 * Every answer carries GitHub's usual headers.
 */
import crypto from 'crypto';
import http from 'http';
import { Caller, Credentials } from './auth';
import { Ctx, Reply, RouteTable } from './context';
import { HttpError, errorBody } from './errors';
import { FaultQueue, faultAnswer } from './faults';
import { GitError, GitStore } from './gitObjects';
import { handleGitHttp, isGitHttpPath } from './gitHttp';
import { matchRoute, undeclaredBodyKeys, validateBody, validateParams, requestBodyPointer } from './openapi';
import { Urls } from './render';
import { StandinState, Viewer } from './state';
import { RecordedRequest } from './types';
import { renderWebPage } from './web';

export const API_PREFIX = '/api/v3';
const GENERIC_DOCS = 'https://docs.github.com/rest';

/** Routes that take the app's JWT (and only that). */
const APP_JWT_ROUTES = new Set([
  '/app',
  '/app/installations',
  '/app/installations/{installation_id}',
  '/app/installations/{installation_id}/access_tokens',
  '/repos/{owner}/{repo}/installation',
  '/orgs/{org}/installation',
  '/users/{username}/installation',
]);

/** Where a repository is created; the request records which one (tests count attempts per repository). */
const REPO_CREATE_ROUTES = new Set(['/orgs/{org}/repos', '/user/repos']);

export interface ServerDeps {
  state: StandinState;
  credentials: Credentials;
  faults: FaultQueue;
  requests: RecordedRequest[];
  routes: RouteTable;
  urls: () => Urls;
  /** Added to every answer (API and git), like the round trip to a distant GitHub. */
  latencyMs?: number;
  /** Top-level body keys accepted although the OpenAPI description does not declare them, by `METHOD route`. */
  toleratedBodyKeys?: Readonly<Record<string, readonly string[]>>;
}

interface RateWindow {
  used: number;
  reset: number; // epoch seconds
}

function requestId(): string {
  const h = (n: number) => crypto.randomBytes(n).toString('hex').toUpperCase();
  return `${h(2)}:${h(3)}:${h(4)}:${h(4)}:${h(4)}`;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** What the client sent on the wire for this request: request line, headers and body. */
function requestBytes(req: http.IncomingMessage, body: Buffer): number {
  let size = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`.length + 2;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    size += Buffer.byteLength(req.rawHeaders[i]) + 2 + Buffer.byteLength(req.rawHeaders[i + 1]) + 2;
  }
  return size + body.length;
}

function acceptedScopes(route: string | undefined): string {
  if (!route) return '';
  if (route === '/user/repos' || route === '/orgs/{org}/repos') return 'public_repo, repo';
  if (route.startsWith('/repos/')) return 'repo';
  return '';
}

/**
 * A create-tree body as a GitHub with an encoding slip would store it: inline text gets CRLF line
 * endings (or one more line when it has none); with no inline text, the first entry's mode flips.
 */
function alterTree(body: unknown): unknown {
  const tree: Array<Record<string, unknown>> = Array.isArray((body as { tree?: unknown })?.tree)
    ? (body as { tree: Array<Record<string, unknown>> }).tree.map(entry => ({ ...entry }))
    : [];
  const inline = tree.filter(entry => typeof entry.content === 'string');
  for (const entry of inline) {
    const content = entry.content as string;
    entry.content = content.includes('\n') ? content.replace(/\r?\n/g, '\r\n') : `${content}\r\n`;
  }
  if (!inline.length && tree[0]) tree[0].mode = tree[0].mode === '100755' ? '100644' : '100755';
  return { ...(body as object), tree };
}

export function createRequestListener(deps: ServerDeps): http.RequestListener {
  const rate = new Map<string, RateWindow>(); // per credential; informational only

  return (req, res) => {
    void handle(req, res).catch(err => {
      // a bug in the stand-in: make it loud, GitHub-shaped
      console.error('github-standin internal error', err);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ message: `github-standin internal error: ${(err as Error).message}` }));
      }
    });
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      status: 0,
      authorization: req.headers.authorization !== undefined,
      bytes: 0,
    };
    deps.requests.push(record);
    const rawBody = await readBody(req);
    record.bytes = requestBytes(req, rawBody);
    const id = requestId();
    if (deps.latencyMs) await sleep(deps.latencyMs);

    const apiPath =
      url.pathname.startsWith(`${API_PREFIX}/`) || url.pathname === API_PREFIX
        ? url.pathname.slice(API_PREFIX.length) || '/'
        : undefined;
    const match = apiPath !== undefined ? matchRoute(method, apiPath) : undefined;
    record.route = match?.operation.route;
    const docs = match?.operation.documentationUrl ?? GENERIC_DOCS;

    let caller: Caller;
    let authError: HttpError | undefined;
    try {
      caller = deps.credentials.identify(req.headers.authorization);
    } catch (e) {
      caller = { kind: 'none' };
      authError = e as HttpError;
    }
    const callerAccount =
      caller.kind === 'user' || caller.kind === 'installation'
        ? caller.viewer.account
        : caller.kind === 'app'
          ? caller.app.bot
          : undefined;
    record.login = callerAccount?.login;

    // rate-limit bookkeeping (headers only; the primary limit is only ever hit through a fault)
    const rateKey = callerAccount ? `${caller.kind}:${callerAccount.login}` : 'anonymous';
    const limit = caller.kind === 'none' ? 60 : 5000;
    const nowSec = Math.floor(Date.now() / 1000);
    let window = rate.get(rateKey);
    // never report remaining "0" by accident: plugin-throttling would take any 403 for a rate limit
    if (!window || window.reset <= nowSec || window.used >= limit - 1) window = { used: 0, reset: nowSec + 3600 };
    window.used += 1;
    rate.set(rateKey, window);

    const send = (status: number, body: Buffer | undefined, headers: Record<string, string>) => {
      const h: Record<string, string> = {
        date: deps.state.now().toUTCString(),
        'content-type': 'application/json; charset=utf-8',
        server: 'github-standin',
        'x-github-request-id': id,
        'x-github-api-version-selected': '2022-11-28',
        'x-github-media-type': 'github.v3; format=json',
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(limit - window!.used),
        'x-ratelimit-reset': String(window!.reset),
        'x-ratelimit-used': String(window!.used),
        'x-ratelimit-resource': 'core',
        'x-content-type-options': 'nosniff',
        vary: 'Accept, Authorization, Cookie, X-GitHub-OTP',
        // classic tokens only: installation tokens and JWTs carry no OAuth scopes
        ...(caller.kind === 'user'
          ? { 'x-oauth-scopes': caller.scopes.join(', '), 'x-accepted-oauth-scopes': acceptedScopes(record.route) }
          : {}),
        ...headers,
      };
      if (body !== undefined) h['content-length'] = String(body.length);
      else delete h['content-type']; // 204 / 304 carry no body
      record.status = status;
      res.writeHead(status, h);
      res.end(body);
    };
    const sendError = (e: HttpError) =>
      send(e.status, Buffer.from(JSON.stringify(errorBody(e.status, e.message, docs, e.errors))), e.headers ?? {});

    // injected faults come first: they model GitHub's front end failing, whatever the request
    let fault = deps.faults.take(method, record.route, url.pathname);
    if (fault?.kind === 'hold') {
      // unanswered until the test decides; the client may be gone by then
      if ((await fault.gate!.hold(record)) === 'drop') {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      fault = undefined;
    }
    if (fault?.kind === 'reset-connection') {
      req.socket.destroy();
      return;
    }
    // 'drop-response': GitHub does the work and stores it, then the connection drops before the answer
    const dropAnswer = fault?.kind === 'drop-response';
    const answer = (status: number, body: Buffer | undefined, headers: Record<string, string>) => {
      if (!dropAnswer) return send(status, body, headers);
      record.status = 0;
      req.socket.destroy();
    };

    // 'different-tree': the request is handled, on a tree altered after validation (below)
    const differentTree = fault?.kind === 'different-tree';
    if (fault && !dropAnswer && !differentTree) {
      const a = faultAnswer(fault, { userId: callerAccount?.id, requestId: id, documentationUrl: docs });
      return send(a.status, Buffer.from(JSON.stringify(a.body)), a.headers);
    }

    if (apiPath === undefined && isGitHttpPath(url.pathname)) {
      record.kind = 'git';
      const git = await handleGitHttp(deps.state, {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: rawBody,
        caller,
      });
      record.status = git.status;
      if (dropAnswer) return answer(git.status, git.body, git.headers);
      res.writeHead(git.status, { server: 'github-standin', date: deps.state.now().toUTCString(), ...git.headers });
      res.end(git.body);
      return;
    }

    if (authError) return sendError(authError);
    if (apiPath === undefined && method === 'GET') {
      // a repository's web page, where the task page's "Repository" link leads
      const html = renderWebPage(deps.state, url.pathname);
      if (html !== undefined) return send(200, Buffer.from(html), { 'content-type': 'text/html; charset=utf-8' });
    }
    if (!match) return sendError(new HttpError(404, 'Not Found'));
    if (caller.kind === 'none') return sendError(new HttpError(401, 'Requires authentication'));
    const wantsJwt = APP_JWT_ROUTES.has(match.operation.route);
    if (wantsJwt && caller.kind !== 'app')
      return sendError(new HttpError(401, 'A JSON web token could not be decoded'));
    if (!wantsJwt && caller.kind === 'app')
      return sendError(new HttpError(403, 'Resource not accessible by integration'));

    // --- validation against the OpenAPI description
    const { query, problems } = validateParams(match.operation, match.params, url.searchParams);
    let body: unknown = undefined;
    if (requestBodyPointer(match.operation)) {
      const text = rawBody.toString('utf8');
      if (text.trim() === '') {
        body = {};
      } else {
        try {
          body = JSON.parse(text);
        } catch {
          return sendError(new HttpError(400, 'Problems parsing JSON'));
        }
      }
      problems.push(...validateBody(match.operation, body));
      const tolerated = deps.toleratedBodyKeys?.[`${method} ${match.operation.route}`] ?? [];
      problems.push(...undeclaredBodyKeys(match.operation, body, tolerated));
    }
    if (problems.length) return sendError(new HttpError(422, `Invalid request.\n\n${problems.join('\n')}`));
    if (method === 'POST' && REPO_CREATE_ROUTES.has(match.operation.route)) {
      const owner = match.operation.route === '/user/repos' ? callerAccount?.login : match.params.org;
      record.createsRepo = `${owner}/${(body as { name?: string }).name}`;
    }
    if (differentTree) body = alterTree(body);

    const handler = deps.routes[`${method} ${match.operation.route}`];
    if (!handler) {
      // documented by GitHub, not modelled here: fail loudly rather than pretend
      return sendError(new HttpError(501, `github-standin does not implement ${method} ${match.operation.route}`));
    }
    const viewer: Viewer =
      caller.kind === 'app' ? { account: caller.app.bot, scopes: [], permission: 'read' } : caller.viewer;
    const ctx: Ctx = {
      method,
      route: match.operation.route,
      operation: match.operation,
      params: match.params,
      query,
      body,
      headers: req.headers,
      viewer,
      caller,
      credentials: deps.credentials,
      state: deps.state,
      urls: deps.urls(),
    };
    let reply: Reply;
    try {
      // one API call = one batch of git objects (written as a pack when there are many)
      reply = GitStore.batch(() => handler(ctx));
    } catch (err) {
      const failed = err instanceof GitError ? new HttpError(422, err.message) : err;
      if (failed instanceof HttpError) {
        return answer(
          failed.status,
          Buffer.from(JSON.stringify(errorBody(failed.status, failed.message, docs, failed.errors))),
          failed.headers ?? {},
        );
      }
      throw err;
    }

    const payload = reply.raw ?? (reply.json === undefined ? undefined : Buffer.from(JSON.stringify(reply.json)));
    const headers: Record<string, string> = {
      ...(reply.contentType ? { 'content-type': reply.contentType } : {}),
      ...reply.headers,
    };
    if (method === 'GET' && reply.status === 200 && payload) {
      headers.etag ??= `W/"${crypto.createHash('sha256').update(payload).digest('hex')}"`;
      headers['cache-control'] = 'private, max-age=60, s-maxage=60';
      // conditional requests: GitHub answers 304 (and does not count it against the rate limit)
      if (req.headers['if-none-match'] && req.headers['if-none-match'] === headers.etag) {
        window.used -= 1;
        return send(304, undefined, { etag: headers.etag });
      }
    }
    return answer(reply.status, payload, headers);
  }
}
