import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CheckOutcome, Finding } from './types';
import { errorMessage, whichSync } from './util';

export const APP_FILE = 'app.py';

type Running = { child: ChildProcess; port: number; exited: Promise<number | null>; output: () => string };

/**
 * app-runs: the generated app starts, reports healthy and ready, stores a
 * value, and still has it after a restart on the same data directory, which is
 * the promise of a StatefulSet with a volume. The app gets a free loopback port
 * and a temporary DATA_DIR; the whole exercise is bounded by `timeoutMs`, and
 * the processes and the folder are always removed, whatever happens.
 */
export async function checkAppRuns(dir: string, timeoutMs = 15_000): Promise<CheckOutcome> {
  const python = whichSync('python3');
  if (!python)
    return {
      status: 'skip',
      findings: [],
      reason: 'python3 is not installed (not found on PATH): the app was not run',
    };
  if (!fs.existsSync(path.join(dir, APP_FILE))) {
    return { status: 'fail', findings: [{ file: APP_FILE, message: 'app.py is missing' }] };
  }
  const deadline = Date.now() + timeoutMs;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-path-verify-data-'));
  const started: Running[] = [];
  const fail = (message: string, run?: Running): CheckOutcome => ({
    status: 'fail',
    findings: [{ file: APP_FILE, message: run ? `${message}${tail(run.output())}` : message }],
  });
  try {
    const key = `verify-${crypto.randomBytes(4).toString('hex')}`;
    const value = `persisted ${crypto.randomBytes(8).toString('hex')} ✓`;

    const first = await start(python, dir, dataDir, started);
    const ready = await waitReady(first, deadline);
    if (ready) return fail(`first start: ${ready}`, first);
    const put = await request(first.port, 'PUT', `/kv/${key}`, deadline, value);
    if (put.status < 200 || put.status >= 300)
      return fail(`PUT /kv/${key} answered ${put.status}: ${put.body.slice(0, 200)}`, first);
    const echo = await request(first.port, 'GET', `/kv/${key}`, deadline);
    if (echo.status !== 200 || echo.body !== value)
      return fail(
        `GET /kv/${key} right after PUT answered ${echo.status} ${JSON.stringify(echo.body.slice(0, 200))}, expected 200 ${JSON.stringify(value)}`,
        first,
      );

    // Kubernetes stops pods with SIGTERM and waits terminationGracePeriodSeconds; the app must exit on its own.
    const findings: Finding[] = [];
    first.child.kill('SIGTERM');
    const code = await within(first.exited, Math.min(5_000, deadline - Date.now()));
    if (code === 'timeout') {
      findings.push({
        file: APP_FILE,
        message: 'did not exit within 5 s of SIGTERM (Kubernetes would kill it mid-write)',
      });
      killGroup(first.child);
      await within(first.exited, 2_000);
    }

    const second = await start(python, dir, dataDir, started);
    const readyAgain = await waitReady(second, deadline);
    if (readyAgain) return fail(`restart on the same DATA_DIR: ${readyAgain}`, second);
    const back = await request(second.port, 'GET', `/kv/${key}`, deadline);
    if (back.status !== 200 || back.body !== value) {
      findings.push({
        file: APP_FILE,
        message: `the value did not survive a restart on the same DATA_DIR: GET /kv/${key} answered ${back.status} ${JSON.stringify(back.body.slice(0, 200))}, expected 200 ${JSON.stringify(value)}`,
      });
    }
    return findings.length ? { status: 'fail', findings } : { status: 'pass', findings: [] };
  } catch (err) {
    const last = started[started.length - 1];
    return fail(
      Date.now() >= deadline ? `timed out after ${timeoutMs} ms (${errorMessage(err)})` : errorMessage(err),
      last,
    );
  } finally {
    for (const run of started) {
      killGroup(run.child);
      await within(run.exited, 2_000);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function start(python: string, dir: string, dataDir: string, started: Running[]): Promise<Running> {
  const port = await freePort();
  let output = '';
  // Own process group: the cleanup can kill python and anything it started, and nothing else.
  const child = spawn(python, [APP_FILE], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
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
  const run = { child, port, exited, output: () => output };
  started.push(run);
  return run;
}

/** Polls /healthz then /readyz until both answer 200. Returns a problem, or undefined when ready. */
async function waitReady(run: Running, deadline: number): Promise<string | undefined> {
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
        last = `${res.status} ${res.body.slice(0, 120)}`;
      } catch (err) {
        last = errorMessage(err);
      }
      await sleep(100);
    }
  }
  return undefined;
}

function request(
  port: number,
  method: string,
  urlPath: string,
  deadline: number,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body, 'utf8');
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
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
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

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function tail(output: string): string {
  const lines = output.trim().split('\n').filter(Boolean).slice(-3);
  return lines.length ? ` — app output: ${lines.join(' | ')}` : '';
}
