/**
 * The generated app as the pods of a 3-replica StatefulSet: three `python3
 * app.py` processes, each with its own data folder (its volume), REPLICAS=3,
 * POD_NAME=<name>-<ordinal> as the downward API would set it, and the peers'
 * addresses mapped to free loopback ports through PEER_ADDRESSES (the app's
 * override of the headless Service's DNS names). Four named checks share the
 * processes:
 *
 * - app-replicas-forward: a value written through any pod is read, replaced
 *   and deleted through every other pod, and is stored in exactly one folder;
 * - app-bad-requests: malformed or oversized requests get the stated answers
 *   and store nothing;
 * - app-replicas-restart: a pod killed with SIGKILL and restarted on its folder
 *   serves its keys again, which are never reported missing while it is down,
 *   and leftover temporary files are removed at start;
 * - app-graceful-shutdown: the StatefulSet's preStop hook turns readiness
 *   false; SIGTERM during a slow upload stops new connections, and the upload
 *   either completes with 201 and is readable or fails with nothing stored.
 *
 * The app is a black box here: where a value is stored is found by looking for
 * its bytes in the data folders, and the only app-specific names used are the
 * environment variables the StatefulSet sets and the preStop command it runs.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import YAML from 'yaml';
import {
  APP_FILE,
  AppProcess,
  findPython,
  freePorts,
  HttpAnswer,
  killGroup,
  request,
  sleep,
  startApp,
  stopAll,
  tail,
  waitReady,
  within,
} from './appProcess';
import { rawConnect, rawRequest, RawOutcome } from './rawHttp';
import { CheckOutcome, Finding } from './types';
import { errorMessage, isRecord } from './util';

export const REPLICA_CHECK_NAMES = [
  'app-replicas-forward',
  'app-bad-requests',
  'app-replicas-restart',
  'app-graceful-shutdown',
] as const;
export type ReplicaCheckName = (typeof REPLICA_CHECK_NAMES)[number];
export type ReplicaOutcomes = Record<ReplicaCheckName, CheckOutcome>;

const REPLICAS = 3;
/** The app's documented value limit (1 MiB); one byte more must be refused. */
export const MAX_VALUE_BYTES = 1024 * 1024;
const STATEFULSET_FILE = 'deploy/base/statefulset.yaml';
/** How long a single request may take before it counts as unanswered. */
const REQUEST_MS = 4_000;

type Pod = { ordinal: number; name: string; port: number; dataDir: string; proc?: AppProcess };

/**
 * Runs the four checks against three processes of the app in `dir`. The
 * whole run is bounded by `timeoutMs`; processes and folders are always removed.
 */
export async function checkAppReplicas(dir: string, timeoutMs = 45_000): Promise<ReplicaOutcomes> {
  const all = (outcome: CheckOutcome) =>
    Object.fromEntries(REPLICA_CHECK_NAMES.map(n => [n, outcome])) as ReplicaOutcomes;
  const python = await findPython();
  if (!python)
    return all({
      status: 'skip',
      findings: [],
      reason: 'python3 is not installed (not found on PATH): the app was not run',
    });
  if (!fs.existsSync(path.join(dir, APP_FILE)))
    return all({ status: 'fail', findings: [{ file: APP_FILE, message: 'app.py is missing' }] });

  const started = Date.now();
  const deadline = started + timeoutMs;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-path-verify-replicas-'));
  const processes: AppProcess[] = [];
  try {
    const ports = await freePorts(REPLICAS);
    const pods: Pod[] = ports.map((port, ordinal) => {
      const dataDir = path.join(root, `data-verify-${ordinal}`);
      fs.mkdirSync(dataDir);
      return { ordinal, name: `verify-${ordinal}`, port, dataDir };
    });
    const cluster = new Cluster(python, dir, pods, processes);

    pods.forEach(p => cluster.start(p));
    const notReady = await cluster.waitReady(pods, deadline);
    if (notReady) {
      const outcome: CheckOutcome = { status: 'fail', findings: [{ file: APP_FILE, message: notReady }] };
      return {
        ...all({ status: 'skip', findings: [], reason: 'the three pods did not start (see app-replicas-forward)' }),
        'app-replicas-forward': outcome,
      };
    }
    const timed = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
      const t = Date.now();
      return [await run(), Date.now() - t];
    };
    const [[forward, forwardMs], [bad, badMs]] = await Promise.all([
      timed(() => forwardCheck(cluster, deadline)),
      timed(() => badRequestsCheck(cluster, deadline)),
    ]);
    // The pod holding most keys is killed; another one holding keys is stopped gracefully, and
    // its preStop hook (a python start) runs while the first one is down and restarting.
    const owned = ownedKeys(cluster, forward.kept);
    const keysOf = (p: Pod) => owned.get(p) ?? [];
    const [victim, ...rest] = [...pods].sort((x, y) => keysOf(y).length - keysOf(x).length);
    const stopping = rest.find(p => keysOf(p).length > 0) ?? victim;
    const early = stopping !== victim ? preStop(cluster, stopping, deadline) : undefined;
    const [restart, restartMs] = await timed(() => restartCheck(cluster, forward.kept, victim, deadline));
    const hook = early ?? preStop(cluster, stopping, deadline);
    const [graceful, gracefulMs] = await timed(() =>
      gracefulShutdownCheck(cluster, forward.kept, stopping, hook, deadline),
    );
    return {
      'app-replicas-forward': result(forward.findings, forwardMs),
      'app-bad-requests': result(bad, badMs),
      'app-replicas-restart': result(restart, restartMs),
      'app-graceful-shutdown': result(graceful.findings, gracefulMs, graceful.note),
    };
  } catch (err) {
    const message =
      Date.now() >= deadline ? `timed out after ${timeoutMs} ms (${errorMessage(err)})` : errorMessage(err);
    const last = processes[processes.length - 1];
    return all({
      status: 'fail',
      findings: [{ file: APP_FILE, message: `${message}${last ? tail(last.output()) : ''}` }],
    });
  } finally {
    await stopAll(processes);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function result(findings: Finding[], durationMs: number, note?: string): CheckOutcome {
  return findings.length
    ? { status: 'fail', findings, durationMs }
    : { status: 'pass', findings: [], durationMs, ...(note ? { note } : {}) };
}

class Cluster {
  constructor(
    readonly python: string,
    readonly dir: string,
    readonly pods: Pod[],
    readonly processes: AppProcess[],
  ) {}

  /** What the StatefulSet gives each pod, with PEER_ADDRESSES in place of the headless Service's DNS. */
  env(pod: Pod): Record<string, string> {
    return {
      REPLICAS: String(REPLICAS),
      POD_NAME: pod.name,
      PEER_ADDRESSES: this.pods.map(p => `127.0.0.1:${p.port}`).join(','),
      PEER_TIMEOUT_SECONDS: '2',
      PRESTOP_SECONDS: '0',
      LOG_LEVEL: 'info',
    };
  }

  start(pod: Pod): void {
    pod.proc = startApp({
      python: this.python,
      dir: this.dir,
      dataDir: pod.dataDir,
      port: pod.port,
      env: this.env(pod),
      started: this.processes,
    });
  }

  async waitReady(pods: Pod[], deadline: number): Promise<string | undefined> {
    const problems = await Promise.all(pods.map(p => waitReady(p.proc!, deadline)));
    const failed = pods
      .map((p, i) => (problems[i] ? `${p.name}: ${problems[i]}${tail(p.proc!.output())}` : ''))
      .filter(Boolean);
    return failed.length ? failed.join('; ') : undefined;
  }

  call(pod: Pod, method: string, key: string, deadline: number, body?: Buffer): Promise<Reply> {
    return attempt(
      request(pod.port, method, `/kv/${encodeURIComponent(key)}`, Math.min(deadline, Date.now() + REQUEST_MS), body),
    );
  }

  /** The pods whose data folder holds a file with exactly these bytes. */
  holders(value: Buffer): Pod[] {
    return this.pods.filter(p => filesIn(p.dataDir).some(f => sameBytes(f, value)));
  }

  /** Folders (inside a pod's data folder) that hold a file with exactly these bytes. */
  foldersHolding(pod: Pod, value: Buffer): string[] {
    return [
      ...new Set(
        filesIn(pod.dataDir)
          .filter(f => sameBytes(f, value))
          .map(f => path.dirname(f)),
      ),
    ];
  }
}

// ---- app-replicas-forward

async function forwardCheck(c: Cluster, deadline: number): Promise<{ findings: Finding[]; kept: Map<string, Buffer> }> {
  const run = crypto.randomBytes(3).toString('hex');
  const problems: string[] = [];
  const kept = new Map<string, Buffer>();
  const replaced: Buffer[] = [];
  const deleted: Buffer[] = [];
  await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const key = `verify-${run}-${i}`;
      const [a, b, z] = [i, i + 1, i + 2].map(o => c.pods[o % REPLICAS]);
      const first = value(`first ${key}`);
      const second = value(`second ${key}`);
      const expectRead = async (via: Pod[], expected: Buffer | 404, after: string) => {
        for (const pod of via) {
          const got = await c.call(pod, 'GET', key, deadline);
          const ok = expected === 404 ? answered(got, 404) : answered(got, 200, expected);
          if (!ok)
            problems.push(
              `${after}, GET /kv/${key} through ${pod.name} answered ${describe(got)}, expected ${expected === 404 ? '404' : `200 and the value (${expected.length} bytes)`}`,
            );
          if (!ok) return false;
        }
        return true;
      };
      const write = async (via: Pod, data: Buffer) => {
        const put = await c.call(via, 'PUT', key, deadline, data);
        if (!is2xx(put)) problems.push(`PUT /kv/${key} through ${via.name} answered ${describe(put)}, expected 201`);
        return is2xx(put);
      };
      const folders = (data: Buffer) => c.holders(data).map(p => p.name);
      if (!(await write(a, first))) return;
      // Where a value lands must not depend on the pod it was written through: one owner per key.
      const firstIn = folders(first);
      if (!(await expectRead([b, z], first, `after a PUT through ${a.name}`))) return;
      if (!(await write(b, second))) return;
      replaced.push(first);
      const secondIn = folders(second);
      if (firstIn.length !== 1 || secondIn.join() !== firstIn.join())
        problems.push(
          `the value of ${key} written through ${a.name} went to [${firstIn.join(', ')}]'s folder, the one written through ${b.name} to [${secondIn.join(', ')}]'s: each key must have exactly one owning pod`,
        );
      if (!(await expectRead([a, b, z], second, `after ${b.name} replaced the value written through ${a.name}`)))
        return;
      if (i % 2 === 0) {
        const del = await c.call(z, 'DELETE', key, deadline);
        if (!is2xx(del)) return void problems.push(`DELETE /kv/${key} through ${z.name} answered ${describe(del)}`);
        deleted.push(second);
        await expectRead([a, b, z], 404, `after a DELETE through ${z.name}`);
      } else {
        kept.set(key, second);
      }
    }),
  );
  for (const [key, data] of kept) {
    const holders = c.holders(data);
    if (holders.length !== 1)
      problems.push(
        holders.length
          ? `the value of ${key} is stored in ${holders.length} pods' folders (${holders.map(p => p.name).join(', ')}): each key must have exactly one owning pod`
          : `the value of ${key} is in no pod's data folder: a 201 must mean it is on disk`,
      );
  }
  for (const data of replaced) {
    const holders = c.holders(data);
    if (holders.length)
      problems.push(
        `a replaced value is still stored in ${holders.map(p => p.name).join(', ')}: another pod would serve the old value`,
      );
  }
  for (const data of deleted) {
    const holders = c.holders(data);
    if (holders.length) problems.push(`a deleted value is still stored in ${holders.map(p => p.name).join(', ')}`);
  }
  return { findings: findingsOf(problems), kept };
}

// ---- app-bad-requests

/** One bad request: `run` sends it and returns what was wrong with the answer (nothing when right). */
type BadRequest = { name: string; run(c: Cluster, deadline: number): Promise<string[]> };

const HOST = 'Host: verify\r\n';

/** Sends `head` + `body` through pod 0, expects one of `allowed`, and the key still absent (read through pod 1). */
function refused(name: string, key: string, head: string, body: Buffer | string, allowed: number[]): BadRequest {
  return {
    name,
    async run(c, deadline) {
      const data = Buffer.concat([Buffer.from(head), Buffer.from(body)]);
      const problems = statusProblem('', await rawRequest(c.pods[0].port, data, REQUEST_MS), allowed);
      const stored = await c.call(c.pods[1], 'GET', key, deadline);
      if (!answered(stored, 404))
        problems.push(`afterwards GET /kv/${key} answered ${describe(stored)}, expected 404 (nothing stored)`);
      return problems;
    },
  };
}

function badRequests(run: string): BadRequest[] {
  const k = (what: string) => `verify-${run}-${what}`;
  const put = (key: string, headers: string) => `PUT /kv/${key} HTTP/1.1\r\n${HOST}${headers}\r\n`;
  const chunked = (parts: Buffer[]) =>
    Buffer.concat([
      ...parts.flatMap(p => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
      Buffer.from('0\r\n\r\n'),
    ]);
  return [
    refused(
      'Content-Length: -1 (with a 2 MiB body)',
      k('negative'),
      put(k('negative'), 'Content-Length: -1\r\n'),
      Buffer.alloc(2 * MAX_VALUE_BYTES, 'x'),
      [400, 411],
    ),
    refused('Content-Length: abc', k('abc'), put(k('abc'), 'Content-Length: abc\r\n'), 'hello', [400, 411]),
    refused('Content-Length: 1e3', k('exponent'), put(k('exponent'), 'Content-Length: 1e3\r\n'), 'hello', [400, 411]),
    refused('a PUT without Content-Length', k('no-length'), put(k('no-length'), ''), 'hello', [411, 400]),
    {
      name: `Content-Length: ${MAX_VALUE_BYTES + 1}, over the 1 MiB limit`,
      async run(c, deadline) {
        // Only the head is sent: the 413 must come without the body, which is never read.
        const key = k('too-large');
        const outcome = await rawRequest(c.pods[0].port, put(key, `Content-Length: ${MAX_VALUE_BYTES + 1}\r\n`), 3_000);
        const problems = statusProblem('with the body not sent, ', outcome, [413]);
        const stored = await c.call(c.pods[1], 'GET', key, deadline);
        if (!answered(stored, 404))
          problems.push(`afterwards GET /kv/${key} answered ${describe(stored)}, expected 404`);
        return problems;
      },
    },
    {
      name: 'Transfer-Encoding: chunked',
      async run(c, deadline) {
        const key = k('chunked');
        const parts = [Buffer.from('hello '), crypto.randomBytes(300), Buffer.from(' world')];
        const sent = Buffer.concat(parts);
        const outcome = await rawRequest(
          c.pods[0].port,
          Buffer.concat([Buffer.from(put(key, 'Transfer-Encoding: chunked\r\n')), chunked(parts)]),
          REQUEST_MS,
        );
        const status = outcome.answer?.status;
        const stored = await c.call(c.pods[2], 'GET', key, deadline);
        if (status === 411)
          return answered(stored, 404) ? [] : [`refused with 411 but stored: GET answered ${describe(stored)}`];
        if (status !== 201 && status !== 200)
          return [`answered ${outcome.answer ? status : outcome.error}; expected 201 (decoded and stored) or 411`];
        return answered(stored, 200, sent)
          ? []
          : [`answered ${status}, but GET returned ${describe(stored)}, not the ${sent.length} bytes sent in 3 chunks`];
      },
    },
    refused(
      'Transfer-Encoding: chunked over the 1 MiB limit',
      k('chunked-large'),
      put(k('chunked-large'), 'Transfer-Encoding: chunked\r\n'),
      chunked([...Array.from({ length: 16 }, () => Buffer.alloc(64 * 1024, 'c')), Buffer.from('!')]),
      [413, 411],
    ),
    {
      name: 'a query string (PUT /kv/<key>?version=2)',
      async run(c, deadline) {
        const key = k('query');
        const data = value('query');
        const target = `/kv/${key}?version=2`;
        const until = () => Math.min(deadline, Date.now() + REQUEST_MS);
        const stored = await attempt(request(c.pods[0].port, 'PUT', target, until(), data));
        if (!is2xx(stored)) return [`PUT ${target} answered ${describe(stored)}, expected 201`];
        const problems: string[] = [];
        for (const [pod, urlPath] of [
          [c.pods[1], `/kv/${key}`],
          [c.pods[2], `/kv/${key}?other=1`],
        ] as const) {
          const got = await attempt(request(pod.port, 'GET', urlPath, until()));
          if (!answered(got, 200, data))
            problems.push(
              `GET ${urlPath} through ${pod.name} answered ${describe(got)}: the query is not part of the key`,
            );
        }
        return problems;
      },
    },
    clearRefusal('a 1000-character key', `/kv/${'k'.repeat(1000)}`),
    clearRefusal('a key with a line feed (%0A)', `/kv/${k('lf')}%0Aevil`),
    clearRefusal('a key with a NUL byte (%00)', `/kv/${k('nul')}%00`),
    clearRefusal('a key that is not UTF-8 (%FF)', `/kv/${k('latin')}%FF`),
  ];
}

/** A PUT and a GET of a bad key, through two pods, each get a 400 whose body talks about the key. */
function clearRefusal(name: string, target: string): BadRequest {
  return {
    name,
    async run(c) {
      const problems: string[] = [];
      for (const pod of [c.pods[0], c.pods[1]]) {
        const head = `PUT ${target} HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhello`;
        const putOutcome = await rawRequest(pod.port, head, REQUEST_MS);
        problems.push(...statusProblem(`PUT through ${pod.name} `, putOutcome, [400]));
        if (putOutcome.answer?.status === 400 && !/key/i.test(putOutcome.answer.body.toString('utf8')))
          problems.push(`the 400 does not say what is wrong with the key: ${short(putOutcome.answer.body)}`);
        const getOutcome = await rawRequest(pod.port, `GET ${target} HTTP/1.1\r\n${HOST}\r\n`, REQUEST_MS);
        problems.push(...statusProblem(`GET through ${pod.name} `, getOutcome, [400]));
      }
      return problems;
    },
  };
}

/** One finding per bad request that did not get its answer, naming the request. */
async function badRequestsCheck(c: Cluster, deadline: number): Promise<Finding[]> {
  const cases = badRequests(crypto.randomBytes(3).toString('hex'));
  const problems = await Promise.all(cases.map(b => b.run(c, deadline).catch(err => [errorMessage(err)])));
  return cases.flatMap((b, i) =>
    problems[i].length ? [{ file: APP_FILE, message: `${b.name}: ${[...new Set(problems[i])].join('; ')}` }] : [],
  );
}

// ---- app-replicas-restart

async function restartCheck(c: Cluster, kept: Map<string, Buffer>, victim: Pod, deadline: number): Promise<Finding[]> {
  const problems: string[] = [];
  const owned = ownedKeys(c, kept);
  const victimKeys = owned.get(victim) ?? [];
  if (!victimKeys.length) return findingsOf(['no pod holds any of the values written (see app-replicas-forward)']);

  victim.proc!.child.kill('SIGKILL');
  if ((await within(victim.proc!.exited, 3_000)) === 'timeout')
    return findingsOf([`${victim.name} did not die on SIGKILL`]);
  // A crash mid-write leaves a temporary file beside the values: the app must remove it at start.
  const stale = c
    .foldersHolding(victim, kept.get(victimKeys[0])!)
    .map(folder => path.join(folder, '.tmp-verify-stale'));
  for (const file of stale) fs.writeFileSync(file, 'half-written value');

  const others = c.pods.filter(p => p !== victim);
  for (const [pod, keys] of owned) {
    for (const key of keys) {
      for (const via of others) {
        const got = await c.call(via, 'GET', key, deadline);
        if (pod === victim) {
          // Its pod is down: a 5xx (or the value, from a copy) is right; a 404 claims the key does not exist.
          const unavailable = !('failed' in got) && got.status >= 500;
          if (!unavailable && !answered(got, 200, kept.get(key)!))
            problems.push(
              `while ${victim.name} (which holds ${key}) was down, GET through ${via.name} answered ${describe(got)}: expected a 5xx, never a 404 for a key that exists`,
            );
        } else if (!answered(got, 200, kept.get(key)!)) {
          problems.push(
            `while ${victim.name} was down, GET /kv/${key} (held by ${pod.name}) through ${via.name} answered ${describe(got)}, expected 200 and the value`,
          );
        }
      }
    }
  }

  c.start(victim);
  const notReady = await c.waitReady([victim], deadline);
  if (notReady) return findingsOf([...problems, `restart after SIGKILL on the same data folder: ${notReady}`]);
  for (const [key, data] of kept) {
    for (const via of c.pods) {
      const got = await c.call(via, 'GET', key, deadline);
      if (!answered(got, 200, data))
        problems.push(
          `after ${victim.name} was killed (SIGKILL) and restarted, GET /kv/${key} through ${via.name} answered ${describe(got)}, expected 200 and the value`,
        );
    }
  }
  for (const file of stale.filter(f => fs.existsSync(f)))
    problems.push(
      `the leftover temporary file ${path.relative(victim.dataDir, file)} was not removed when ${victim.name} started`,
    );
  return findingsOf(problems);
}

// ---- app-graceful-shutdown

/** The StatefulSet's preStop hook, run on `pod` as the kubelet would: the command, or what went wrong. */
async function preStop(c: Cluster, pod: Pod, deadline: number): Promise<{ command?: string[]; problem?: string }> {
  const command = preStopCommand(c.dir);
  if (typeof command === 'string') return { problem: command };
  const problem = await runHook(c, pod, command, deadline);
  return problem ? { problem } : { command };
}

async function gracefulShutdownCheck(
  c: Cluster,
  kept: Map<string, Buffer>,
  pod: Pod,
  hook: Promise<{ command?: string[]; problem?: string }>,
  deadline: number,
): Promise<{ findings: Finding[]; note?: string }> {
  const problems: string[] = [];
  const key = ownedKeys(c, kept).get(pod)?.[0];
  if (!key) return { findings: findingsOf(['no pod holds any of the values written (see app-replicas-forward)']) };
  const before = kept.get(key)!;

  // 1. After the preStop hook readiness is false, while data is still served.
  const { command, problem } = await hook;
  if (problem) problems.push(problem);
  else {
    const ready = await attempt(request(pod.port, 'GET', '/readyz', Math.min(deadline, Date.now() + REQUEST_MS)));
    if (answered(ready, 200))
      problems.push(
        `after the preStop hook (${command!.join(' ')}) ${pod.name} still answers /readyz 200: the Services would keep routing to a stopping pod`,
      );
    const still = await c.call(pod, 'GET', key, deadline);
    if (!answered(still, 200, before))
      problems.push(`during the preStop pause ${pod.name} stopped serving: GET /kv/${key} answered ${describe(still)}`);
  }

  // 2. SIGTERM in the middle of a slow upload of a key that pod owns.
  const upload = value(`slow upload ${key} `, 256 * 1024);
  const conn = rawConnect(pod.port, 10_000);
  await conn.write(`PUT /kv/${encodeURIComponent(key)} HTTP/1.1\r\n${HOST}Content-Length: ${upload.length}\r\n\r\n`);
  await conn.write(upload.subarray(0, 16 * 1024));
  await sleep(100);
  const termAt = Date.now();
  pod.proc!.child.kill('SIGTERM');
  await sleep(300);
  const late = await attempt(request(pod.port, 'GET', '/healthz', Date.now() + 1_000));
  if (!('failed' in late))
    problems.push(`${pod.name} still accepted a new request 0.3 s after SIGTERM (answered ${late.status})`);
  await conn.write(upload.subarray(16 * 1024)).catch(() => undefined);
  const answer: RawOutcome = await conn.outcome;
  const exited = await within(pod.proc!.exited, Math.max(0, Math.min(deadline - Date.now(), 10_000)));
  if (exited === 'timeout') {
    problems.push(`${pod.name} did not exit within 10 s of SIGTERM`);
    killGroup(pod.proc!.child);
    await within(pod.proc!.exited, 2_000);
  }
  const exitMs = Date.now() - termAt;

  c.start(pod);
  const notReady = await c.waitReady([pod], deadline);
  if (notReady) return { findings: findingsOf([...problems, `restart after SIGTERM: ${notReady}`]) };

  const completed = answer.answer && answer.answer.status >= 200 && answer.answer.status < 300;
  const expected = completed ? upload : before;
  for (const via of c.pods) {
    const got = await c.call(via, 'GET', key, deadline);
    if (!answered(got, 200, expected))
      problems.push(
        completed
          ? `the upload interrupted by SIGTERM answered ${answer.answer!.status}, but afterwards GET /kv/${key} through ${via.name} answered ${describe(got)} instead of the uploaded ${upload.length} bytes`
          : `the upload interrupted by SIGTERM failed for the client (${answer.answer ? answer.answer.status : answer.error}), yet afterwards GET /kv/${key} through ${via.name} answered ${describe(got)} instead of the previous value: a failed upload must store nothing`,
      );
  }
  const note = completed
    ? `upload during SIGTERM completed with ${answer.answer!.status}; exited ${exitMs} ms after SIGTERM`
    : `upload during SIGTERM failed for the client, nothing stored; exited ${exitMs} ms after SIGTERM`;
  return { findings: findingsOf(problems), note };
}

/** The preStop exec command of the StatefulSet's first container, or a problem. */
function preStopCommand(dir: string): string[] | string {
  const file = path.join(dir, STATEFULSET_FILE);
  try {
    const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS());
    const sts = docs.find(d => isRecord(d) && d.kind === 'StatefulSet');
    const command = sts?.spec?.template?.spec?.containers?.[0]?.lifecycle?.preStop?.exec?.command;
    if (Array.isArray(command) && command.length && command.every(a => typeof a === 'string')) return command;
    return `${STATEFULSET_FILE} has no preStop exec command: nothing turns readiness false before SIGTERM`;
  } catch (err) {
    return `could not read the preStop hook from ${STATEFULSET_FILE}: ${errorMessage(err)}`;
  }
}

/**
 * Runs a preStop command as the container would, with the image's app.py
 * mapped to the generated one and python to this python3; PRESTOP_SECONDS=0
 * shortens the pause. Returns a problem, or undefined.
 */
async function runHook(c: Cluster, pod: Pod, command: string[], deadline: number): Promise<string | undefined> {
  const script = command.findIndex(a => path.basename(a) === APP_FILE);
  if (script < 0)
    return `the preStop hook (${command.join(' ')}) does not run ${APP_FILE}, so it cannot turn readiness false`;
  const args = [APP_FILE, ...command.slice(script + 1)];
  const child = spawn(c.python, args, {
    cwd: c.dir,
    env: { ...process.env, ...c.env(pod), PORT: String(pod.port), DATA_DIR: pod.dataDir, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  const code = await within(
    new Promise<number | null>(resolve => {
      child.once('exit', resolve);
      child.once('error', () => resolve(-1));
    }),
    Math.min(deadline - Date.now(), 8_000),
  );
  if (code === 'timeout') {
    child.kill('SIGKILL');
    return `the preStop hook (${args.join(' ')}) did not finish within 8 s with PRESTOP_SECONDS=0`;
  }
  return code === 0 ? undefined : `the preStop hook (${args.join(' ')}) exited with ${code}${tail(output)}`;
}

// ---- helpers

/** For each pod, the written keys whose value is in its data folder. */
function ownedKeys(c: Cluster, kept: Map<string, Buffer>): Map<Pod, string[]> {
  const owned = new Map<Pod, string[]>();
  for (const [key, data] of kept) {
    for (const pod of c.holders(data)) owned.set(pod, [...(owned.get(pod) ?? []), key]);
  }
  return owned;
}

/** `label` prefixes "answered" / "got no answer" ("PUT through verify-1 answered …"). */
function statusProblem(label: string, outcome: RawOutcome, allowed: number[]): string[] {
  if (!outcome.answer) return [`${label}got no answer (${outcome.error}); expected ${allowed.join(' or ')}`];
  if (!allowed.includes(outcome.answer.status))
    return [
      `${label}answered ${outcome.answer.status} ${short(outcome.answer.body)}; expected ${allowed.join(' or ')}`,
    ];
  return [];
}

function findingsOf(problems: string[]): Finding[] {
  const unique = [...new Set(problems)];
  const shown = unique.slice(0, 8).map(message => ({ file: APP_FILE, message }));
  if (unique.length > shown.length)
    shown.push({ file: APP_FILE, message: `… and ${unique.length - shown.length} more` });
  return shown;
}

function value(label: string, size = 48): Buffer {
  const head = Buffer.from(`${label} `);
  return Buffer.concat([head, crypto.randomBytes(Math.max(16, size - head.length))]);
}

/** An HTTP answer, or why there was none. */
type Reply = HttpAnswer | { failed: string };

function attempt(pending: Promise<HttpAnswer>): Promise<Reply> {
  return pending.catch(err => ({ failed: errorMessage(err) }));
}

/** The answer has this status (and, when given, exactly these bytes as its body). */
const answered = (got: Reply, status: number, body?: Buffer): boolean =>
  !('failed' in got) && got.status === status && (body === undefined || got.body.equals(body));
const is2xx = (got: Reply): boolean => !('failed' in got) && got.status >= 200 && got.status < 300;
const short = (body: Buffer) => JSON.stringify(body.toString('utf8').slice(0, 160));
const describe = (got: Reply) => ('failed' in got ? `no answer (${got.failed})` : `${got.status} ${short(got.body)}`);

function filesIn(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesIn(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function sameBytes(file: string, expected: Buffer): boolean {
  try {
    return fs.statSync(file).size === expected.length && fs.readFileSync(file).equals(expected);
  } catch {
    return false; // removed meanwhile
  }
}
