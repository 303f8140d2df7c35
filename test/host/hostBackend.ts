/**
 * Starts a host project's backend as its own OS process with a generated
 * app-config, waits until Backstage reports ready, and stops it with SIGTERM as
 * a container runtime would. Its output goes to a log file for failure reports.
 * Start several with the same `database` for replicas sharing one PostgreSQL.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { JsonObject } from '@backstage/types';
import YAML from 'yaml';
import { BackstageApi, pollUntil } from './backstageApi';
import { freePort } from './freePort';
import { PostgresCluster } from './postgres';

export type HostBackendOptions = {
  /** The project to run (from createHostProject). */
  project: { dir: string; entry: string };
  /** Names this instance's config and log files (default `backend`); use one per replica. */
  name?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** PostgreSQL for `backend.database` (default: SQLite in memory, which needs better-sqlite3 installed). */
  database?: Pick<PostgresCluster, 'connection'>;
  /** Database names are `<prefix><pluginId>`; give each independent backend on one cluster its own (default `backstage_plugin_`). */
  databasePrefix?: string;
  /** The static external-access token (default: a random one); give replicas the same one. */
  token?: string;
  /** Merged over the generated config (objects merge, everything else replaces). */
  config?: JsonObject;
  /** Node binary (default: this process's, Node 22 in CI). */
  node?: string;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
};

export type HostBackend = {
  name: string;
  url: string;
  port: number;
  pid: number;
  /** The static external-access token the generated config accepts. */
  token: string;
  /** A client for the backend's REST API with that token. */
  api: BackstageApi;
  configFile: string;
  logFile: string;
  /** Time from spawn to ready. */
  startMs: number;
  /** The backend's output so far. */
  logs(): string;
  /** Its last lines, for an assertion message. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 30 s). Safe to call twice. */
  stop(
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; killed: boolean }>;
  /** Sends `signal` (default SIGKILL: a crash, no shutdown hooks run) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Whether the process has exited. */
  exited(): boolean;
};

/** The config every harness backend gets; `options.config` is merged over it. */
export function baseHostConfig(args: {
  port: number;
  token: string;
  database?: Pick<PostgresCluster, 'connection'>;
  databasePrefix?: string;
}): JsonObject {
  return {
    app: { baseUrl: 'http://localhost:3000' },
    backend: {
      baseUrl: `http://127.0.0.1:${args.port}`,
      listen: { host: '127.0.0.1', port: args.port },
      database: args.database
        ? {
            client: 'pg',
            connection: args.database.connection,
            ...(args.databasePrefix ? { prefix: args.databasePrefix } : {}),
          }
        : { client: 'better-sqlite3', connection: ':memory:' },
      // Service-to-service calls from outside, as a CI job or a script would make them.
      auth: {
        externalAccess: [{ type: 'static', options: { token: args.token, subject: 'golden-path-host-harness' } }],
      },
    },
  };
}

export async function startHostBackend(options: HostBackendOptions): Promise<HostBackend> {
  const name = options.name ?? 'backend';
  const port = options.port ?? (await freePort());
  const token = options.token ?? randomBytes(24).toString('base64url');
  const url = `http://127.0.0.1:${port}`;
  const config = deepMerge(
    baseHostConfig({ port, token, database: options.database, databasePrefix: options.databasePrefix }),
    options.config ?? {},
  );
  const configFile = path.join(options.project.dir, `app-config.${name}.yaml`);
  const logFile = path.join(options.project.dir, `${name}.log`);
  fs.writeFileSync(configFile, YAML.stringify(config), { mode: 0o600 });
  fs.writeFileSync(logFile, '');

  const output = fs.openSync(logFile, 'a');
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(options.node ?? process.execPath, [options.project.entry, '--config', configFile], {
      cwd: options.project.dir, // Backstage collects config schemas from the packages installed here
      env: { ...withoutNpmVariables(process.env), NODE_ENV: 'production', ...options.env },
      stdio: ['ignore', output, output],
    });
  } finally {
    fs.closeSync(output);
  }
  let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  const exited = new Promise<void>(resolve => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    // Could not be spawned at all (no such Node binary, say): no 'exit' follows.
    child.once('error', error => {
      exit ??= { code: null, signal: null, error };
      resolve();
    });
  });
  // A test process that dies without afterAll must not leave a backend running.
  const killNow = () => child.kill('SIGKILL');
  process.on('exit', killNow);

  const logs = () => fs.readFileSync(logFile, 'utf8');
  const logTail = (lines = 60) => logs().trimEnd().split('\n').slice(-lines).join('\n');
  let stopping: ReturnType<HostBackend['stop']> | undefined;
  const stop: HostBackend['stop'] = (timeoutMs = 30_000) => {
    stopping ??= (async () => {
      const stopStarted = Date.now();
      let killed = false;
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killNow);
      return { code: exit!.code, signal: exit!.signal, ms: Date.now() - stopStarted, killed };
    })();
    return stopping;
  };

  const kill: HostBackend['kill'] = async (signal = 'SIGKILL') => {
    const killStarted = Date.now();
    if (!exit) {
      child.kill(signal);
      await exited;
    }
    process.off('exit', killNow);
    return { code: exit!.code, signal: exit!.signal, ms: Date.now() - killStarted };
  };

  try {
    await pollUntil(`${name} at ${url} ready`, options.readyTimeoutMs ?? 120_000, async () => {
      if (exit) {
        throw new Error(exit.error?.message ?? `exited with ${exit.signal ?? `code ${exit.code}`} before it was ready`);
      }
      const response = await fetch(`${url}/.backstage/health/v1/readiness`, {
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    });
  } catch (error) {
    await stop(5_000);
    throw new Error(`Backend ${name} did not start: ${(error as Error).message}\n--- ${logFile} ---\n${logTail()}`);
  }

  return {
    name,
    url,
    port,
    pid: child.pid!,
    token,
    api: new BackstageApi(url, token),
    configFile,
    logFile,
    startMs: Date.now() - started,
    logs,
    logTail,
    stop,
    kill,
    exited: () => exit !== undefined,
  };
}

function withoutNpmVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

function deepMerge(base: JsonObject, override: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] =
      isObject(current) && isObject(value) ? deepMerge(current as JsonObject, value as JsonObject) : (value ?? null);
  }
  return merged;
}

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
