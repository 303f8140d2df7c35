/** What a route handler receives and returns. */
import { IncomingHttpHeaders } from 'http';
import { Caller, Credentials } from './auth';
import { Operation } from './openapi';
import { Urls } from './render';
import { StandinState, Viewer } from './state';

export interface Ctx {
  method: string;
  route: string;
  operation: Operation;
  /** decoded path parameters ({ref} and {path} may contain '/') */
  params: Record<string, string>;
  /** documented query parameters, coerced to their documented types */
  query: Record<string, unknown>;
  body: any;
  headers: IncomingHttpHeaders;
  /** the user or installation acting (for app-JWT calls: the app's bot account, with no rights) */
  viewer: Viewer;
  caller: Exclude<Caller, { kind: 'none' }>;
  credentials: Credentials;
  state: StandinState;
  urls: Urls;
}

export interface Reply {
  status: number;
  json?: unknown;
  /** raw bytes (e.g. Accept: application/vnd.github.raw) */
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply;

/** Keyed by `${METHOD} ${OpenAPI path template}`. */
export type RouteTable = Record<string, Handler>;
