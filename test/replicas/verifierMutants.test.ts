/**
 * Each three-process check of `golden-path dry-run` fails when the generated
 * app regresses in what it guards, with a finding that names the problem:
 * the request handling of the seed's app (every bad request of the issue), a
 * pod that forgets its crash leftovers and reports a down owner's keys as
 * missing, and a preStop hook that no longer turns readiness false. Each
 * mutant is the rendered app.py with a few lines changed, run as three pods.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkAppReplicas, ReplicaOutcomes } from '../../cli/src/verify/appReplicas';
import { useSeedDryRun } from '../support/seedDryRun';
import { writeFiles } from '../support/rendered';

jest.setTimeout(180_000);

const dryRun = useSeedDryRun();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verifier-mutants-'));
let rendered: string;

/** A copy of the rendered repository with app.py edited; every replacement must apply. */
function mutant(name: string, edits: Array<[string | RegExp, string]>): string {
  const dir = path.join(root, name);
  fs.cpSync(rendered, dir, { recursive: true });
  let text = fs.readFileSync(path.join(dir, 'app.py'), 'utf8');
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${name}: ${String(from)} is not in app.py any more`);
    text = next;
  }
  fs.writeFileSync(path.join(dir, 'app.py'), text);
  return dir;
}

const MUTANTS = {
  // The seed app's request handling: int(Content-Length or 0), no chunked, the raw path as key, any key.
  'seed request handling': [
    [
      / {4}def body_length\(self\):\n/,
      '    def body_length(self):\n        return int(self.headers.get("Content-Length") or 0)\n',
    ],
    ['return path.split("?", 1)[0].split("#", 1)[0]', 'return path'],
    ['MAX_KEY_LENGTH = 250', 'MAX_KEY_LENGTH = 100000'],
    [/^KEY_PATTERN = .*$/m, 'KEY_PATTERN = re.compile(r"[\\s\\S]+")'],
  ],
  // Crash leftovers kept; a down owner's keys answered 404 (as if they did not exist).
  'restart regressions': [
    ['    remove_stale_temp_files()\n', ''],
    [
      'this key belongs to {CLUSTER.pod_name(owner)}, which is unavailable; retry',
      'no such key (owner {CLUSTER.pod_name(owner)} down)',
    ],
    [
      /return self\.reply_json\(\n {16}503,\n {16}\{\n {20}"error": f"no such key/,
      'return self.reply_json(\n                404,\n                {\n                    "error": f"no such key',
    ],
  ],
  // The preStop hook's marker is ignored: readiness stays true until SIGTERM.
  'readiness ignores preStop': [['if STOPPING.is_set() or os.path.exists(DRAINING_MARKER):', 'if STOPPING.is_set():']],
} satisfies Record<string, Array<[string | RegExp, string]>>;

let outcomes: Record<keyof typeof MUTANTS, ReplicaOutcomes>;

beforeAll(async () => {
  const result = await dryRun({ component_id: 'kv', replicas: 3, environment: 'prod' });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  rendered = writeFiles(result.files, path.join(root, 'rendered'));
  const names = Object.keys(MUTANTS) as Array<keyof typeof MUTANTS>;
  const runs = await Promise.all(names.map(n => checkAppReplicas(mutant(n.replace(/\W+/g, '-'), MUTANTS[n]))));
  outcomes = Object.fromEntries(names.map((n, i) => [n, runs[i]])) as typeof outcomes;
}, 180_000);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const messages = (o: ReplicaOutcomes, check: keyof ReplicaOutcomes) => o[check].findings.map(f => f.message);

test("the seed's request handling fails app-bad-requests, one finding per bad request", () => {
  const o = outcomes['seed request handling'];
  expect(o['app-bad-requests'].status).toBe('fail');
  const found = messages(o, 'app-bad-requests');
  for (const request of [
    /^Content-Length: -1 \(with a 2 MiB body\): /,
    /^Content-Length: abc: /,
    /^a PUT without Content-Length: answered 201 .*expected 411 or 400/,
    /^Content-Length: 1048577, over the 1 MiB limit: with the body not sent, got no answer/,
    /^Transfer-Encoding: chunked: answered 201, but GET returned 200 "", not the 312 bytes sent in 3 chunks/,
    /^a query string \(PUT \/kv\/<key>\?version=2\): GET \/kv\/\S+ through verify-1 answered 404/,
    /^a 1000-character key: PUT through verify-0 answered 201/,
    /^a key with a line feed \(%0A\): PUT through verify-0 answered 201/,
  ])
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(request)]));
  // Forwarding is intact: the other checks are not blamed.
  expect(o['app-replicas-forward']).toMatchObject({ status: 'pass' });
});

test('kept crash leftovers and a 404 for a down owner fail app-replicas-restart', () => {
  const o = outcomes['restart regressions'];
  expect(o['app-replicas-restart'].status).toBe('fail');
  const found = messages(o, 'app-replicas-restart');
  expect(found).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        /^while verify-\d \(which holds \S+\) was down, GET through verify-\d answered 404 .*never a 404/,
      ),
      expect.stringMatching(
        /^the leftover temporary file kv\/\.tmp-verify-stale was not removed when verify-\d started/,
      ),
    ]),
  );
  expect(o['app-replicas-forward']).toMatchObject({ status: 'pass' });
  expect(o['app-bad-requests']).toMatchObject({ status: 'pass' });
});

test('a preStop hook that no longer turns readiness false fails app-graceful-shutdown', () => {
  const o = outcomes['readiness ignores preStop'];
  expect(o['app-graceful-shutdown']).toMatchObject({
    status: 'fail',
    findings: [
      expect.objectContaining({
        file: 'app.py',
        message: expect.stringMatching(
          /^after the preStop hook \(python3 \/app\/app\.py prestop\) verify-\d still answers \/readyz 200/,
        ),
      }),
    ],
  });
  expect(o['app-replicas-restart']).toMatchObject({ status: 'pass' });
});
