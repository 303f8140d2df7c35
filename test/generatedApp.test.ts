/**
 * The generated app.py itself: rendered through the real scaffolder (the
 * 3-replica prod values), run with python3, and sent every malformed request
 * the golden path promises an answer for, byte by byte. Each bad request gets
 * its stated status and stores nothing; the boundaries just inside the limits
 * are accepted. The three-process behaviour is the verifier's (appReplicas.ts,
 * exercised by test/cli.test.ts and test/replicas/).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  AppProcess,
  findPython,
  freePorts,
  request,
  startApp,
  stopAll,
  waitReady,
  within,
} from '../cli/src/verify/appProcess';
import { rawConnect, rawRequest } from '../cli/src/verify/rawHttp';
import { useSeedDryRun } from './support/seedDryRun';
import { yamlDocs, writeFiles } from './support/rendered';

const MiB = 1024 * 1024;
const dryRun = useSeedDryRun();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'generated-app-'));
const started: AppProcess[] = [];
let dir: string;
let python: string;
let app: AppProcess;
let statefulSet: any;

async function startOne(dataDir: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const [port] = await freePorts(1);
  const run = startApp({ python, dir, dataDir, port, env, started });
  const problem = await waitReady(run, Date.now() + 30_000);
  if (problem) throw new Error(`${problem}\n${run.output()}`);
  return run;
}

beforeAll(async () => {
  const result = await dryRun({ component_id: 'kv-store', replicas: 3, environment: 'prod' });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  dir = writeFiles(result.files, path.join(tmp, 'repo'));
  statefulSet = yamlDocs(result.files, 'deploy/base/statefulset.yaml')[0];
  python = (await findPython())!;
  const dataDir = path.join(tmp, 'data');
  // What a crash between writing and renaming leaves behind.
  fs.mkdirSync(path.join(dataDir, 'kv'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'kv', '.tmp-crashed'), 'half a value');
  app = await startOne(dataDir);
}, 120_000);

afterAll(async () => {
  await stopAll(started);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const get = (key: string) => request(app.port, 'GET', `/kv/${key}`, Date.now() + 5_000);
const put = (target: string, headers: string) => `PUT ${target} HTTP/1.1\r\nHost: test\r\n${headers}\r\n`;
const chunked = (...parts: Buffer[]) =>
  Buffer.concat([
    ...parts.flatMap(p => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
    Buffer.from('0\r\n\r\n'),
  ]);

describe('the StatefulSet gives the app what sharding needs', () => {
  test('REPLICAS equals spec.replicas, POD_NAME and POD_NAMESPACE from the downward API, the headless Service, a preStop hook', () => {
    const container = statefulSet.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(statefulSet.spec.replicas).toBe(3);
    expect(env).toMatchObject({
      REPLICAS: '3',
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      SERVICE_NAME: statefulSet.spec.serviceName,
    });
    expect(container.lifecycle.preStop.exec.command).toEqual(['python3', '/app/app.py', 'prestop']);
    // The pause (5 s) and the in-flight limit (20 s) fit in the grace period.
    expect(statefulSet.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(25);
  });
});

describe('bad requests get the stated answer and store nothing', () => {
  test.each([
    ['Content-Length: -1 with a 2 MiB body', 'negative', 'Content-Length: -1\r\n', 'x'.repeat(2 * MiB), 400],
    ['Content-Length: abc', 'abc', 'Content-Length: abc\r\n', 'hello', 400],
    ['Content-Length: 1e3', 'exponent', 'Content-Length: 1e3\r\n', 'hello', 400],
    ['Content-Length: +5', 'plus', 'Content-Length: +5\r\n', 'hello', 400],
    ['Content-Length: 0x5', 'hex', 'Content-Length: 0x5\r\n', 'hello', 400],
    ['two Content-Length headers', 'twice', 'Content-Length: 5\r\nContent-Length: 5\r\n', 'hello', 400],
    ['no Content-Length', 'missing', '', 'hello', 411],
    [
      'Content-Length and Transfer-Encoding',
      'both',
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n',
      'hello',
      400,
    ],
    ['Transfer-Encoding: gzip, chunked', 'gzip', 'Transfer-Encoding: gzip, chunked\r\n', '0\r\n\r\n', 501],
    [
      'a chunked body over 1 MiB',
      'chunked-large',
      'Transfer-Encoding: chunked\r\n',
      chunked(Buffer.alloc(MiB), Buffer.from('!')),
      413,
    ],
    ['a chunk size that is not hex', 'chunk-size', 'Transfer-Encoding: chunked\r\n', 'zz\r\nhello\r\n0\r\n\r\n', 400],
  ])('%s', async (_name, key, headers, body, status) => {
    const outcome = await rawRequest(
      app.port,
      Buffer.concat([Buffer.from(put(`/kv/${key}`, headers)), Buffer.from(body)]),
      5_000,
    );
    expect(outcome.error).toBeUndefined();
    expect({ status: outcome.answer?.status, error: JSON.parse(outcome.answer!.body.toString()).error }).toEqual({
      status,
      error: expect.any(String),
    });
    expect((await get(key)).status).toBe(404);
  });

  test('Content-Length over 1 MiB: 413 before the body is sent', async () => {
    const conn = rawConnect(app.port, 5_000);
    await conn.write(put('/kv/too-large', `Content-Length: ${MiB + 1}\r\n`));
    const outcome = await conn.outcome; // no body byte was ever written
    expect(outcome.answer?.status).toBe(413);
    expect(outcome.answer!.body.toString()).toMatch(/limited to 1048576 bytes/);
    expect((await get('too-large')).status).toBe(404);
  });

  test('Expect: 100-continue over the limit: 413 instead of 100 Continue', async () => {
    const conn = rawConnect(app.port, 5_000);
    await conn.write(put('/kv/expect-large', `Content-Length: ${10 * MiB}\r\nExpect: 100-continue\r\n`));
    const outcome = await conn.outcome;
    expect(outcome.answer?.status).toBe(413);
  });

  test.each([
    ['a 251-character key', 'k'.repeat(251), /the key is 251 characters long; keys are 1 to 250 characters/],
    ['a line feed in the key', 'a%0Ab', /the key contains '\\n', which is not allowed/],
    ['a NUL byte in the key', 'a%00b', /the key contains '\\x00'/],
    ['a space in the key', 'a%20b', /the key contains ' '/],
    ['non-ASCII in the key', 'caf%C3%A9', /the key contains 'é'/],
    ['a key that is not UTF-8', 'a%FFb', /not valid UTF-8/],
    ['an empty key', '', /the key is empty/],
  ])('%s: 400 saying why, for PUT and GET', async (_name, key, message) => {
    const putOutcome = await rawRequest(app.port, `${put(`/kv/${key}`, 'Content-Length: 5\r\n')}hello`, 5_000);
    expect(putOutcome.answer?.status).toBe(400);
    expect(JSON.parse(putOutcome.answer!.body.toString()).error).toMatch(message);
    const got = await rawRequest(app.port, `GET /kv/${key} HTTP/1.1\r\nHost: test\r\n\r\n`, 5_000);
    expect(got.answer?.status).toBe(400);
  });

  test('a body cut off by the client stores nothing', async () => {
    const conn = rawConnect(app.port, 5_000);
    await conn.write(`${put('/kv/cut-off', 'Content-Length: 10\r\n')}hello`);
    conn.close();
    await conn.outcome;
    expect((await get('cut-off')).status).toBe(404);
  });
});

describe('requests just inside the rules are served', () => {
  test('a chunked PUT stores exactly the decoded bytes', async () => {
    const parts = [Buffer.from('hello '), Buffer.from([0, 1, 2, 255]), Buffer.from(' world')];
    const outcome = await rawRequest(
      app.port,
      Buffer.concat([Buffer.from(put('/kv/chunked', 'Transfer-Encoding: chunked\r\n')), chunked(...parts)]),
      5_000,
    );
    expect(outcome.answer?.status).toBe(201);
    expect((await get('chunked')).body).toEqual(Buffer.concat(parts));
  });

  test('a value of exactly 1 MiB and a key of exactly 250 allowed characters', async () => {
    const key = `${"a-._~:@!$&'()*+,;=/".repeat(10)}${'z'.repeat(60)}`;
    expect(key).toHaveLength(250);
    const value = Buffer.alloc(MiB, 7);
    const stored = await request(app.port, 'PUT', `/kv/${encodeURI(key)}`, Date.now() + 5_000, value);
    expect(stored.status).toBe(201);
    const back = await get(encodeURIComponent(key));
    expect({ status: back.status, equal: back.body.equals(value) }).toEqual({ status: 200, equal: true });
  });

  test('the query string is not part of the key', async () => {
    expect((await request(app.port, 'PUT', '/kv/q?version=1', Date.now() + 5_000, 'one')).status).toBe(201);
    expect((await get('q')).body.toString()).toBe('one');
    expect((await get('q?x=2')).body.toString()).toBe('one');
    expect((await request(app.port, 'DELETE', '/kv/q?y', Date.now() + 5_000)).status).toBe(200);
    expect((await get('q')).status).toBe(404);
  });

  test('stale temporary files were removed at start', () => {
    expect(fs.readdirSync(path.join(app.dataDir, 'kv')).filter(f => f.startsWith('.tmp-'))).toEqual([]);
  });
});

test('a write fsyncs the file, renames it, then fsyncs the folder; a delete fsyncs the folder after the unlink', () => {
  // The order of the system calls is the durability promise; trace them from inside python.
  const trace = `
import json, os, sys
import app
seen, paths = [], {}
real = dict(open=os.open, fsync=os.fsync, replace=os.replace, unlink=os.unlink)
def traced_open(path, flags, *rest):
    fd = real["open"](path, flags, *rest)
    paths[fd] = path
    return fd
def traced_fsync(fd):
    seen.append(["fsync", os.path.basename(paths.get(fd, "?"))])
    real["fsync"](fd)
def traced_replace(src, dst):
    seen.append(["rename", os.path.basename(dst)])
    real["replace"](src, dst)
def traced_unlink(path):
    seen.append(["unlink", os.path.basename(path)])
    real["unlink"](path)
os.open, os.fsync, os.replace, os.unlink = traced_open, traced_fsync, traced_replace, traced_unlink
os.makedirs(app.KV_DIR, exist_ok=True)
digest = app.digest_of("k")
app.write_atomically(app.blob_path(digest), b"v")
app.delete_blob(digest)
print(json.dumps([[op, "<digest>" if name == digest else ("<tmp>" if name.startswith(".tmp-") else name)] for op, name in seen]))
`;
  const run = spawnSync(python, ['-c', trace], {
    cwd: dir,
    env: { ...process.env, DATA_DIR: path.join(tmp, 'fsync') },
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(JSON.parse(run.stdout)).toEqual([
    ['fsync', '<tmp>'],
    ['rename', '<digest>'],
    ['fsync', 'kv'],
    ['unlink', '<digest>'],
    ['fsync', 'kv'],
  ]);
});

describe('stopping', () => {
  test('prestop turns readiness false while values are still served; SIGTERM lets an upload in flight finish', async () => {
    const dataDir = path.join(tmp, 'stopping');
    const pod = await startOne(dataDir);
    expect((await request(pod.port, 'PUT', '/kv/k', Date.now() + 5_000, 'before')).status).toBe(201);
    const hook = spawnSync(python, ['app.py', 'prestop'], {
      cwd: dir,
      env: { ...process.env, DATA_DIR: dataDir, PRESTOP_SECONDS: '0' },
    });
    expect(hook.status).toBe(0);
    expect((await request(pod.port, 'GET', '/readyz', Date.now() + 5_000)).status).toBe(503);
    expect((await request(pod.port, 'GET', '/kv/k', Date.now() + 5_000)).body.toString()).toBe('before');

    const value = Buffer.alloc(200_000, 'v');
    const conn = rawConnect(pod.port, 10_000);
    await conn.write(put('/kv/k', `Content-Length: ${value.length}\r\n`));
    await conn.write(value.subarray(0, 1000));
    await new Promise(r => setTimeout(r, 200));
    pod.child.kill('SIGTERM');
    await new Promise(r => setTimeout(r, 300));
    await expect(request(pod.port, 'GET', '/healthz', Date.now() + 1_000)).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    await conn.write(value.subarray(1000));
    expect((await conn.outcome).answer?.status).toBe(201);
    expect(await within(pod.exited, 5_000)).toBe(0);

    const again = await startOne(dataDir); // readiness back (the marker is cleared), the value on disk
    expect((await request(again.port, 'GET', '/kv/k', Date.now() + 5_000)).body.equals(value)).toBe(true);
  });
});

describe('configuration errors stop the app with a clear message', () => {
  test.each([
    [{ REPLICAS: '3' }, /POD_NAME must be <statefulset>-<ordinal>/],
    [{ REPLICAS: 'three', POD_NAME: 'kv-store-0' }, /REPLICAS must be a whole number/],
    [
      { REPLICAS: '3', POD_NAME: 'kv-store-0', PEER_ADDRESSES: '127.0.0.1:1' },
      /PEER_ADDRESSES lists 1 address\(es\) but REPLICAS is 3/,
    ],
    [
      { REPLICAS: '2', POD_NAME: 'kv-store-0', PEER_ADDRESS_PATTERN: '{pod}:1' },
      /PEER_ADDRESS_PATTERN .* is not a host:port pattern/,
    ],
  ])('%j', (env, message) => {
    const run = spawnSync(python, ['app.py'], {
      cwd: dir,
      env: { ...process.env, DATA_DIR: path.join(tmp, 'config'), PORT: '1', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
