/**
 * Running the generated app.py for the app checks: processes in their own
 * process group on free loopback ports, readiness polling, and plain HTTP
 * requests with a deadline. Nothing here knows what the app stores.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { errorMessage, whichSync } from './util';

export const APP_FILE = 'app.py';

export type AppProcess = {
  child: ChildProcess;
  port: number;
  dataDir: string;
  exited: Promise<number | null>;
  output(): string;
};

export type HttpAnswer = { status: number; body: Buffer; headers: http.IncomingHttpHeaders };

let python: Promise<string | undefined> | undefined;

/**
 * The python3 interpreter itself, found once per process. The `python3` on
 * PATH may be a wrapper script (pyenv, asdf) that costs a shell start on every
 * launch, and the app checks start python many times.
 */
export function findPython(): Promise<string | undefined> {
  python ??= new Promise(resolve => {
    const onPath = whichSync('python3');
    if (!onPath) return resolve(undefined);
    execFile(onPath, ['-c', 'import sys; print(sys.executable)'], { timeout: 10_000 }, (err, stdout) => {
      const real = String(stdout ?? '').trim();
      resolve(!err && real && fs.existsSync(real) ? real : onPath);
    });
  });
  return python;
}

/**
 * Starts `python3 app.py` in `dir` on `port` with `dataDir`, plus `env`. The
 * process gets its own group, so cleanup kills python and anything it started,
 * and nothing else. Every started process is pushed to `started` for cleanup.
 */
export function startApp(args: {
  python: string;
  dir: string;
  dataDir: string;
  port: number;
  env?: Record<string, string>;
  started: AppProcess[];
}): AppProcess {
  let output = '';
  const child = spawn(args.python, [APP_FILE], {
    cwd: args.dir,
    env: {
      ...process.env,
      PORT: String(args.port),
      DATA_DIR: args.dataDir,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...args.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>(resolve => {
    child.once('exit', code => resolve(code));
    child.once('error', err => {
      output += `\n${errorMessage(err)}`;
      resolve(null);
    });
  });
  const run = { child, port: args.port, dataDir: args.dataDir, exited, output: () => output };
  args.started.push(run);
  return run;
}

/** Polls /healthz then /readyz until both answer 200. Returns a problem, or undefined when ready. */
export async function waitReady(run: AppProcess, deadline: number): Promise<string | undefined> {
  let exitCode: number | null | undefined;
  void run.exited.then(code => (exitCode = code ?? -1));
  for (const probe of ['/healthz', '/readyz']) {
    let last = 'no answer';
    for (;;) {
      if (exitCode !== undefined) return `the app exited (code ${exitCode}) before ${probe} answered 200`;
      if (Date.now() >= deadline) return `${probe} did not answer 200 in time (last: ${last})`;
      try {
        const res = await request(run.port, 'GET', probe, Math.min(deadline, Date.now() + 1_000));
        if (res.status === 200) break;
        last = `${res.status} ${res.body.toString('utf8').slice(0, 120)}`;
      } catch (err) {
        last = errorMessage(err);
      }
      await sleep(50);
    }
  }
  return undefined;
}

export function request(
  port: number,
  method: string,
  urlPath: string,
  deadline: number,
  body?: string | Buffer,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent: false,
        timeout: Math.max(1, deadline - Date.now()),
        headers: data ? { 'content-type': 'application/octet-stream', 'content-length': data.length } : {},
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * `count` distinct free loopback ports, held open together while they are
 * chosen so they differ from each other; the kernel hands out ephemeral ports,
 * so concurrent verifications do not pick the same ones.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            if (typeof address === 'object' && address) resolve(address.port);
            else reject(new Error('no free port'));
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))));
  }
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Kills every started process and waits (briefly) for each to be gone. */
export async function stopAll(started: AppProcess[]): Promise<void> {
  for (const run of started) killGroup(run.child);
  await Promise.all(started.map(run => within(run.exited, 2_000)));
}

export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<'timeout'>(resolve => (timer = setTimeout(() => resolve('timeout'), Math.max(0, ms)))),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The app's last output lines, to append to a finding. */
export function tail(output: string): string {
  const lines = output.trim().split('\n').filter(Boolean).slice(-3);
  return lines.length ? ` — app output: ${lines.join(' | ')}` : '';
}
