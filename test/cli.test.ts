/**
 * golden-path dry-run, as a platform team runs it in CI: the embedded
 * scaffolder, files on disk, and the verdict on what was generated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDryRunCommand } from '../cli/src/dryRunCommand';
import { REPO_ROOT, SEED_TREE } from './support/rendered';

type Run = { code: number; stdout: string; stderr: string; json?: any };

async function cli(args: Partial<Parameters<typeof runDryRunCommand>[0]> & { cwd: string }): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runDryRunCommand({
    valuesFiles: [],
    json: false,
    verify: true,
    runApp: true,
    force: false,
    ...args,
    stdout: t => (stdout += t),
    stderr: t => (stderr += t),
  });
  return { code, stdout, stderr, json: args.json ? JSON.parse(stdout) : undefined };
}

/** A copy of the template and skeleton that a test may break, as a platform team's edit would. */
function templateCopy(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edited-template-'));
  fs.cpSync(path.join(REPO_ROOT, 'templates'), path.join(dir, 'templates'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'skeleton'), path.join(dir, 'skeleton'), { recursive: true });
  edit(dir);
  return path.join(dir, 'templates/stateful-app/template.yaml');
}

function replaceIn(file: string, from: string | RegExp, to: string) {
  const text = fs.readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit did not apply to ${file}`);
  fs.writeFileSync(file, next);
}

const workdir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));

it("writes the seed's tree for my-redis and reports every check as passed", async () => {
  const cwd = workdir();
  const run = await cli({ cwd });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const written: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(cwd, 'out/my-redis', rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else written.push(child);
    }
  };
  walk('');
  expect(written.sort()).toEqual([...SEED_TREE].sort());
  expect(run.stdout).toContain('out/my-redis/');
  expect(run.stdout).toMatch(/✔ Validate inputs \(validate\)/);
  expect(run.stdout).toMatch(/PASS app-runs/);
  for (const check of ['app-replicas-forward', 'app-bad-requests', 'app-replicas-restart', 'app-graceful-shutdown'])
    expect(run.stdout).toMatch(new RegExp(`PASS ${check} — .* \\[\\d+ ms\\]`));
  expect(run.stdout).toMatch(/Took \d+ ms, of which the app checks \d+ ms/);
  expect(run.stdout).not.toMatch(/FAIL/);
  expect(run.stdout).toMatch(/1 of 1 values file\(s\) passed/);
});

it('prints a machine-readable report with --json, one backend start for several files', async () => {
  const cwd = workdir();
  const run = await cli({
    cwd,
    json: true,
    runApp: false,
    valuesFiles: ['examples/my-redis.yaml', 'examples/prod-search.yaml', 'examples/large-volume.yaml'].map(f =>
      path.join(REPO_ROOT, f),
    ),
  });
  expect(run.code).toBe(0);
  expect(run.json.ok).toBe(true);
  expect(run.json.results.map((r: any) => r.name)).toEqual(['my-redis', 'search-index', 'media-store']);
  for (const result of run.json.results) {
    expect(result.files).toHaveLength(SEED_TREE.length);
    const statuses = Object.fromEntries(result.verify.checks.map((c: any) => [c.name, c.status]));
    expect(statuses['kustomize-build']).toBe('pass');
    expect(statuses['app-runs']).toBe('skip');
    expect(Object.values(statuses).filter(s => s === 'fail')).toEqual([]);
    expect(result.timing.totalMs).toBeGreaterThanOrEqual(result.timing.renderMs + result.timing.verifyMs);
    expect(result.timing.verifyMs).toBeGreaterThan(0);
  }
});

it('prints each values file whole and in the given order, with a timing line, though they run concurrently', async () => {
  const files = ['examples/large-volume.yaml', 'examples/my-redis.yaml', 'examples/prod-search.yaml'];
  const run = await cli({ cwd: workdir(), runApp: false, valuesFiles: files.map(f => path.join(REPO_ROOT, f)) });
  expect(run.code).toBe(0);
  const headers = [...run.stdout.matchAll(/^== (.+)$/gm)].map(m => path.basename(m[1]));
  expect(headers).toEqual(files.map(f => path.basename(f)));
  const blocks = run.stdout.split(/^== /m).slice(1);
  blocks.forEach((block, i) => {
    // Each block holds its own file's tree and verdict, never another file's lines.
    expect(block).toMatch(
      new RegExp(
        `time: \\S*${path.basename(files[i]).replace('.', '\\.')} rendered in \\d+ ms, verified in \\d+ ms, \\d+ ms in all`,
      ),
    );
    expect(block.match(/^ {2}(OK|FAIL):/gm)).toHaveLength(1);
  });
  expect(run.stdout.match(/Started the embedded scaffolder/g)).toHaveLength(1);
});

it.each([
  [
    'a -lb Service whose selector no longer matches the pods',
    (dir: string) => {
      for (const env of ['dev', 'test', 'staging', 'prod']) {
        replaceIn(
          path.join(dir, `skeleton/deploy/overlays/${env}/service.yaml`),
          / {2}selector:\n {4}app.kubernetes.io\/name: .*\n/,
          '  selector:\n    app.kubernetes.io/name: someone-else\n',
        );
      }
    },
    'services-target-pods',
    /deploy\/overlays\/\w+.*my-redis-lb|my-redis-lb/,
  ],
  [
    'an Ingress pointing at the headless Service',
    (dir: string) =>
      replaceIn(
        path.join(dir, 'skeleton/deploy/overlays/prod/ingress.yaml'),
        'name: ${{ values.name }}-lb',
        'name: ${{ values.name }}',
      ),
    'ingress-targets-lb',
    /prod/,
  ],
])('catches a broken skeleton edit by rule name: %s', async (_name, edit, rule, where) => {
  const cwd = workdir();
  const run = await cli({ cwd, json: true, runApp: false, template: templateCopy(edit) });
  expect(run.code).toBe(1);
  const failed = run.json.results[0].verify.checks.filter((c: any) => c.status === 'fail');
  expect(failed.map((c: any) => c.name)).toContain(rule);
  const findings = failed.find((c: any) => c.name === rule).findings;
  expect(findings.length).toBeGreaterThan(0);
  expect(JSON.stringify(findings)).toMatch(where);
  expect(findings[0].file).toBeTruthy();
});

it('fails the dry-run when a skeleton edit breaks forwarding between pods', async () => {
  // Every pod answers from its own folder again, as the app did before keys had an owner.
  const template = templateCopy(dir =>
    replaceIn(
      path.join(dir, 'skeleton/app.py'),
      '    def owner_of(self, digest):\n',
      '    def owner_of(self, digest):\n        return self.ordinal\n',
    ),
  );
  const run = await cli({ cwd: workdir(), json: true, template });
  expect(run.code).toBe(1);
  const checks = run.json.results[0].verify.checks;
  const status = (name: string) => checks.find((c: any) => c.name === name).status;
  expect(status('app-runs')).toBe('pass'); // one process alone cannot tell
  expect(status('app-replicas-forward')).toBe('fail');
  expect(checks.find((c: any) => c.name === 'app-replicas-forward').findings).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        file: 'app.py',
        message: expect.stringMatching(/^after a PUT through verify-\d, GET .* through verify-\d answered 404/),
      }),
    ]),
  );
});

it('verifies values files side by side, one after the other when they write the same folder', async () => {
  const cwd = workdir();
  const values = 'component_id: twin\nowner: group:default/a\nrepoUrl: github.com?owner=a&repo=b\n';
  fs.writeFileSync(path.join(cwd, 'dev.yaml'), `${values}environment: dev\n`);
  fs.writeFileSync(path.join(cwd, 'prod.yaml'), `${values}environment: prod\nreplicas: 3\n`);
  const run = await cli({ cwd, json: true, runApp: false, valuesFiles: ['dev.yaml', 'prod.yaml'] });
  expect(run.code).toBe(0);
  expect(run.json.results.map((r: any) => [r.valuesFile, r.ok])).toEqual([
    ['dev.yaml', true],
    ['prod.yaml', true],
  ]);
  // owner "a" is not an organization the sample platform scans: the wiring is still checked, with a note.
  const wiring = run.json.results[0].verify.checks.find((c: any) => c.name === 'argocd-wiring');
  expect(wiring.status).toBe('pass');
  expect(wiring.note).toMatch(/scan goldenpathidp, not a: checked as goldenpathidp\/b; add a to platform\/argocd/);
  // Both verified (the second write waits for the first verification); the folder ends with the last.
  expect(fs.readFileSync(path.join(cwd, 'out/twin/deploy/base/statefulset.yaml'), 'utf8')).toMatch(/replicas: 3/);
});

it('exits non-zero with the field named when the values are bad', async () => {
  const cwd = workdir();
  // The scaffolder checks the form page by page and reports the first failing page's errors.
  fs.writeFileSync(
    path.join(cwd, 'bad-name.yaml'),
    'component_id: My_App\nowner: group:default/a\nrepoUrl: github.com?owner=a&repo=b\n',
  );
  fs.writeFileSync(
    path.join(cwd, 'bad-runtime.yaml'),
    'component_id: ok\nowner: group:default/a\nstorageSize: 10GB\nport: 80\nrepoUrl: github.com?owner=a&repo=b\n',
  );
  const run = await cli({ cwd, valuesFiles: ['bad-name.yaml', 'bad-runtime.yaml'] });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/rejected the values/);
  expect(run.stdout).toMatch(/component_id: does not match pattern/);
  expect(run.stdout).toMatch(/storageSize: does not match pattern/);
  expect(run.stdout).toMatch(/port: must be greater than or equal to 1024/);
  expect(run.stdout).toMatch(/0 of 2 values file\(s\) passed/);
  expect(fs.existsSync(path.join(cwd, 'out'))).toBe(false);
});

it('exits non-zero naming the rule when the validate action refuses', async () => {
  const cwd = workdir();
  fs.writeFileSync(
    path.join(cwd, 'bad.yaml'),
    'component_id: ok-name\nowner: group:default/a\nmountPath: /etc/app\nrepoUrl: github.com?owner=a&repo=b\n',
  );
  const run = await cli({ cwd, valuesFiles: ['bad.yaml'], json: true });
  expect(run.code).toBe(1);
  expect(run.json.results[0].errors.join('\n')).toMatch(
    /mountPath: "\/etc\/app" must not be inside the system path \/etc/,
  );
  expect(run.json.results[0].defaulted).toEqual(expect.arrayContaining(['storageSize', 'port', 'replicas']));
});

it('refuses to replace a non-empty --out folder without --force', async () => {
  const cwd = workdir();
  fs.mkdirSync(path.join(cwd, 'mine'));
  fs.writeFileSync(path.join(cwd, 'mine/keep.txt'), 'important');
  const run = await cli({ cwd, out: 'mine', verify: false });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/mine exists and is not empty; pass --force/);
  expect(fs.readFileSync(path.join(cwd, 'mine/keep.txt'), 'utf8')).toBe('important');
});

it('exits 2 for a values file that does not exist', async () => {
  const run = await cli({ cwd: workdir(), valuesFiles: ['nope.yaml'] });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/nope\.yaml does not exist/);
});

it('sends the same dry-run to a running Backstage with --remote, never printing the token', async () => {
  const { startEmbeddedScaffolder } = await import('../cli/src/dryrun/embeddedScaffolder');
  const running = await startEmbeddedScaffolder();
  const token = running.token;
  const previous = process.env.BACKSTAGE_TOKEN;
  process.env.BACKSTAGE_TOKEN = token;
  try {
    const cwd = workdir();
    const run = await cli({ cwd, json: true, runApp: false, remote: running.apiUrl.replace(/\/api\/scaffolder$/, '') });
    expect(run.code).toBe(0);
    expect(run.json.results[0].files).toHaveLength(SEED_TREE.length);
    expect(run.stdout + run.stderr).not.toContain(token);

    process.env.BACKSTAGE_TOKEN = 'not-a-valid-token';
    const refused = await cli({
      cwd: workdir(),
      verify: false,
      remote: running.apiUrl.replace(/\/api\/scaffolder$/, ''),
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/HTTP 401/);
    expect(refused.stdout + refused.stderr).not.toContain('not-a-valid-token');

    // Nothing listens on a port the backend has just given up: each file fails with the address and the cause.
    const stopped = await startEmbeddedScaffolder();
    await stopped.stop();
    const unreachable = await cli({
      cwd: workdir(),
      verify: false,
      valuesFiles: ['examples/my-redis.yaml', 'examples/prod-search.yaml'],
      remote: stopped.apiUrl.replace(/\/api\/scaffolder$/, ''),
    });
    expect(unreachable.code).toBe(1);
    const unreachableLines = unreachable.stdout.split('\n').filter(line => line.includes('✖'));
    expect(unreachableLines).toHaveLength(2);
    for (const line of unreachableLines)
      expect(line).toContain(`the dry-run did not run: POST ${stopped.apiUrl}/v2/dry-run: fetch failed (ECONNREFUSED)`);

    delete process.env.BACKSTAGE_TOKEN;
    const missing = await cli({ cwd: workdir(), remote: 'http://127.0.0.1:1' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\$BACKSTAGE_TOKEN/);
  } finally {
    if (previous === undefined) delete process.env.BACKSTAGE_TOKEN;
    else process.env.BACKSTAGE_TOKEN = previous;
    await running.stop();
  }
});
