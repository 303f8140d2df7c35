import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TOKEN, GithubStandin } from '../../github-standin';
import { freePort, PostgresCluster } from '../../host';

/** The Backstage app fixture (installed and built by test/browser/install-app.sh). */
export const APP_DIR = path.resolve(__dirname, '../app');
const BACKEND_DIR = path.join(APP_DIR, 'packages/backend');

export type BackstageApp = {
  /** Where the backend serves the API and the built frontend. */
  url: string;
  logFile: string;
  /** A guest user's Backstage token, from the guest sign-in the frontend uses. */
  token(): Promise<string>;
  getEntity(ref: string): Promise<any | undefined>;
  waitForEntity(ref: string, timeoutMs: number): Promise<any>;
  stop(): Promise<void>;
};

export function assertAppInstalled(): void {
  const missing = [
    'node_modules/@goldenpathidp/plugin-scaffolder-backend-module-stateful-app/dist/index.js',
    'packages/app/dist/index.html',
  ].filter(p => !fs.existsSync(path.join(APP_DIR, p)));
  if (missing.length) {
    throw new Error(
      `The browser test app is not installed (${missing.join(', ')} missing): run npm run build && test/browser/install-app.sh`,
    );
  }
}

/**
 * Starts the fixture's backend as its own process, the way `yarn start` runs it
 * (Backstage CLI's TypeScript loader, no file watcher), on PostgreSQL, with the
 * GitHub stand-in as its only `integrations.github` host and `locations`
 * registered as catalog URL locations.
 */
export async function startBackstageApp(options: {
  github: GithubStandin;
  postgres: PostgresCluster;
  locations: string[];
  logDir: string;
}): Promise<BackstageApp> {
  assertAppInstalled();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-path-app-config-'));
  const configFile = path.join(configDir, 'app-config.test.yaml');
  const config = {
    app: { baseUrl: url },
    backend: {
      baseUrl: url,
      listen: { host: '127.0.0.1', port },
      cors: { origin: url, credentials: true },
      database: { client: 'pg', connection: options.postgres.connection },
    },
    auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true, userEntityRef: 'user:default/guest' } } },
    integrations: {
      github: [{ host: options.github.host, apiBaseUrl: options.github.apiBaseUrl, token: DEFAULT_TOKEN }],
    },
    catalog: {
      // Arrays replace the static file's: repeat its org location.
      locations: [
        { type: 'file', target: '../../examples/org.yaml' },
        ...options.locations.map(target => ({ type: 'url', target })),
      ],
    },
  };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2)); // JSON is YAML

  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, 'backend.log');
  const log = fs.openSync(logFile, 'w');
  const loader = require.resolve('@backstage/cli-node/config/nodeTransform.cjs', { paths: [APP_DIR] });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      loader,
      'src/index.ts',
      '--config',
      '../../app-config.yaml',
      '--config',
      configFile,
    ],
    {
      cwd: BACKEND_DIR,
      env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '' },
      stdio: ['ignore', log, log],
      detached: true, // its own process group, stopped as a whole
    },
  );
  fs.closeSync(log);
  let exited = false;
  const exitedPromise = new Promise<void>(resolve =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const stop = async () => {
    if (!exited && child.pid) {
      process.kill(-child.pid, 'SIGTERM');
      const killed = setTimeout(() => !exited && process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exitedPromise;
      clearTimeout(killed);
    }
    fs.rmSync(configDir, { recursive: true, force: true });
  };

  const logTail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited) throw new Error(`The Backstage backend exited during start-up:\n${logTail()}`);
    const ready = await fetch(`${url}/.backstage/health/v1/readiness`).then(
      r => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The Backstage backend was not ready within 180 s:\n${logTail()}`);
    }
    await new Promise(r => setTimeout(r, 500));
  }

  let cachedToken: string | undefined;
  const token = async () => {
    if (!cachedToken) {
      const response = await fetch(`${url}/api/auth/guest/refresh`, {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      const body: any = await response.json();
      if (!response.ok) throw new Error(`guest sign-in failed: ${response.status} ${JSON.stringify(body)}`);
      cachedToken = body.backstageIdentity.token as string;
    }
    return cachedToken;
  };
  const getEntity = async (ref: string) => {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    const response = await fetch(`${url}/api/catalog/entities/by-name/${kind}/${namespace}/${name}`, {
      headers: { authorization: `Bearer ${await token()}` },
    });
    return response.status === 200 ? response.json() : undefined;
  };

  return {
    url,
    logFile,
    token,
    getEntity,
    async waitForEntity(ref, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const entity = await getEntity(ref);
        if (entity) return entity;
        if (Date.now() > until) throw new Error(`${ref} did not appear in the catalog within ${timeoutMs} ms`);
        await new Promise(r => setTimeout(r, 500));
      }
    },
    stop,
  };
}
