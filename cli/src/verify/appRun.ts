import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  APP_FILE,
  AppProcess,
  findPython,
  freePorts,
  killGroup,
  request,
  startApp,
  stopAll,
  tail,
  waitReady,
  within,
} from './appProcess';
import { CheckOutcome, Finding } from './types';
import { errorMessage } from './util';

export { APP_FILE } from './appProcess';

/**
 * app-runs: the generated app starts, reports healthy and ready, stores a
 * value, and still has it after a restart on the same data directory, which is
 * the promise of a StatefulSet with a volume. The app gets a free loopback port
 * and a temporary DATA_DIR; the whole exercise is bounded by `timeoutMs`, and
 * the processes and the folder are always removed, whatever happens.
 */
export async function checkAppRuns(dir: string, timeoutMs = 15_000): Promise<CheckOutcome> {
  const python = await findPython();
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
  const started: AppProcess[] = [];
  const fail = (message: string, run?: AppProcess): CheckOutcome => ({
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
      return fail(`PUT /kv/${key} answered ${put.status}: ${put.body.toString('utf8').slice(0, 200)}`, first);
    const echo = await request(first.port, 'GET', `/kv/${key}`, deadline);
    if (echo.status !== 200 || echo.body.toString('utf8') !== value)
      return fail(
        `GET /kv/${key} right after PUT answered ${echo.status} ${JSON.stringify(echo.body.toString('utf8').slice(0, 200))}, expected 200 ${JSON.stringify(value)}`,
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
    if (back.status !== 200 || back.body.toString('utf8') !== value) {
      findings.push({
        file: APP_FILE,
        message: `the value did not survive a restart on the same DATA_DIR: GET /kv/${key} answered ${back.status} ${JSON.stringify(back.body.toString('utf8').slice(0, 200))}, expected 200 ${JSON.stringify(value)}`,
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
    await stopAll(started);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function start(python: string, dir: string, dataDir: string, started: AppProcess[]): Promise<AppProcess> {
  const [port] = await freePorts(1);
  return startApp({ python, dir, dataDir, port, started });
}
