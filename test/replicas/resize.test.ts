/**
 * Changing the replica count of the generated app, with real processes on
 * loopback, in the order the README tells a user: scale up in one commit,
 * scale down in two. No key is ever reported missing while it sits on some
 * pod, and each ends on exactly one pod, its owner. A one-step scale-down is
 * loud (503 naming the missing pod), not a silent 404, and heals when the pod
 * is back.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useSeedDryRun } from '../support/seedDryRun';
import { writeFiles } from '../support/rendered';
import { request } from '../../cli/src/verify/appProcess';
import { LocalPods } from './localPods';

jest.setTimeout(120_000);

const dryRun = useSeedDryRun();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'resize-'));
let pods: LocalPods;
const values = new Map<string, string>();

beforeAll(async () => {
  const result = await dryRun({ component_id: 'kv', replicas: 3, environment: 'prod' });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  pods = await LocalPods.create(writeFiles(result.files, path.join(root, 'repo')), root, 4);
}, 120_000);

afterAll(async () => {
  await pods?.destroy();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Every key read through every running pod gives its value. */
async function expectAllReadable(running: number) {
  const wrong: string[] = [];
  for (const pod of pods.pods.slice(0, running)) {
    for (const [key, value] of values) {
      const got = await pods.call(pod, 'GET', key);
      if (got.status !== 200 || got.body.toString() !== value) wrong.push(`${key} via ${pod.name}: ${got.status}`);
    }
  }
  expect(wrong).toEqual([]);
}

const placement = () => new Map([...values].map(([key, value]) => [key, pods.holders(value)]));

test('three pods: every key is stored once, and every pod owns some', async () => {
  const live = await pods.run(3, 3);
  for (let i = 0; i < 30; i++) {
    const key = `key-${i}`;
    const value = `value ${i} ${crypto.randomBytes(6).toString('hex')}`;
    values.set(key, value);
    expect((await pods.call(live[i % 3], 'PUT', key, value)).status).toBe(201);
  }
  await expectAllReadable(3);
  const where = placement();
  expect([...where.values()].filter(h => h.length !== 1)).toEqual([]);
  expect(new Set([...where.values()].map(h => h[0]))).toEqual(new Set([0, 1, 2]));
});

test('scale up to four: nothing goes missing, and only the keys the new pod owns move, to it', async () => {
  const before = placement();
  await pods.run(4, 4);
  // Right after the restart, before the hand-over is done: every key through every pod.
  await expectAllReadable(4);
  await pods.waitSettled(4, 4);
  const after = placement();
  const moved = [...after].filter(([key, h]) => h[0] !== before.get(key)![0]);
  expect([...after.values()].filter(h => h.length !== 1)).toEqual([]);
  expect(moved.length).toBeGreaterThan(0);
  expect(moved.filter(([, h]) => h[0] !== 3)).toEqual([]); // rendezvous hashing: nothing moves between old pods
  await expectAllReadable(4);
  expect((await pods.call(pods.pods[2], 'GET', 'never-written')).status).toBe(404);
});

test('scale down to two in two steps: the pods beyond the count hand everything over first', async () => {
  // Step 1: REPLICAS=2, still four pods.
  await pods.run(2, 4);
  await pods.waitSettled(2, 4);
  const stepOne = placement();
  expect([...stepOne.values()].filter(h => h.length !== 1 || h[0] > 1)).toEqual([]);
  // Step 2: two pods.
  await pods.run(2, 2);
  await expectAllReadable(2);
  expect((await pods.status(pods.pods[1], 2, 2)).code).toBe(0);
  expect((await pods.call(pods.pods[0], 'GET', 'never-written')).status).toBe(404);
});

test('scale down in one step: the keys of the missing pod answer 503 naming it, never 404, until it is back', async () => {
  const onPodOne = [...placement()].filter(([, h]) => h[0] === 1).map(([key]) => key);
  expect(onPodOne.length).toBeGreaterThan(0);
  const [only] = await pods.run(1, 1);
  for (const key of onPodOne) {
    const got = await pods.call(only, 'GET', key);
    expect({ key, status: got.status, body: got.body.toString() }).toEqual({
      key,
      status: 503,
      body: expect.stringContaining('kv-1 (which may still hold it after a replica change) could not be asked'),
    });
  }
  expect((await pods.call(only, 'GET', 'never-written')).status).toBe(503);
  const status = await pods.status(only, 1, 1);
  expect(status.code).toBe(1);
  expect(status.output).toMatch(/kv-1: pending/);

  // The fix the README gives: bring the pod back (REPLICAS stays 1); it hands its keys over.
  await pods.run(1, 2);
  await pods.waitSettled(1, 2);
  await expectAllReadable(1);
  await pods.run(1, 1);
  await expectAllReadable(1);
  expect((await pods.call(pods.pods[0], 'GET', 'never-written')).status).toBe(404);
  expect([...placement().values()].filter(h => h.join() !== '0')).toEqual([]);
});

test('pods that disagree on the replica count refuse each other rather than misplace a key', async () => {
  // Two pods with REPLICAS=1, settled; then a rollout to 2 restarts pod 1 first (highest ordinal first).
  await pods.run(1, 2);
  await pods.waitSettled(1, 2);
  const [zero, one] = pods.pods;
  await pods.stopOne(one);
  await pods.start(one, 2, 2);
  const written = new Map<string, number>();
  for (let i = 0; i < 20; i++) {
    const got = await pods.call(one, 'PUT', `rollout-${i}`, `during the rollout ${i}`);
    written.set(`during the rollout ${i}`, got.status);
    if (got.status === 503)
      expect(got.body.toString()).toMatch(/pods disagree on the replica count \(1 here, 2 at the sender\)/);
  }
  expect(new Set(written.values())).toEqual(new Set([201, 503]));
  // Keys pod 1 owns in its view are stored with it; the ones it forwarded were refused by pod 0, and stored nowhere.
  for (const [value, status] of written)
    expect({ value, holders: pods.holders(value) }).toEqual({ value, holders: status === 201 ? [1] : [] });
  // Pod 0 noticed the rollout: it is no longer settled, so its misses ask the other pods again.
  expect(
    JSON.parse((await request(zero.port, 'GET', '/_peer/status', Date.now() + 5_000)).body.toString()),
  ).toMatchObject({
    settled: false,
  });
});
