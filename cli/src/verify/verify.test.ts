import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startEmbeddedScaffolder } from '../dryrun/embeddedScaffolder';
import { loadTemplateBundle } from '../dryrun/templateBundle';
import { checkAppRuns } from './appRun';
import { CHECKS, CheckResult, formatReport, loadVerifyConfig, verifyGeneratedRepo, VerifyReport } from './index';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const TEMPLATE = path.join(REPO_ROOT, 'templates/stateful-app/template.yaml');
const EXAMPLE = path.join(REPO_ROOT, 'examples/my-redis.yaml');

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-test-'));
let rendered: string;
let baseline: VerifyReport;
let baselineMs: number;

/** Renders examples/my-redis.yaml through the real scaffolder (dry-run), as a user's repository would be. */
beforeAll(async () => {
  const scaffolder = await startEmbeddedScaffolder();
  try {
    const result = await scaffolder.dryRun(loadTemplateBundle(TEMPLATE), YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')));
    if (!result.ok) throw new Error(`dry-run failed: ${result.errors.join('\n')}`);
    rendered = path.join(tmpRoot, 'my-redis');
    for (const f of result.files) {
      fs.mkdirSync(path.join(rendered, path.dirname(f.path)), { recursive: true });
      fs.writeFileSync(path.join(rendered, f.path), f.content);
    }
  } finally {
    await scaffolder.stop();
  }
  const started = Date.now();
  baseline = await verifyGeneratedRepo(rendered);
  baselineMs = Date.now() - started;
}, 60_000);

afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A copy of the rendered repository with some files edited; every edit must change its file. */
function brokenCopy(name: string, edits: Record<string, (text: string) => string>): string {
  const dir = path.join(tmpRoot, name);
  fs.cpSync(rendered, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const target = path.join(dir, file);
    const before = fs.readFileSync(target, 'utf8');
    const after = edit(before);
    if (after === before)
      throw new Error(`the edit of ${file} for "${name}" changed nothing: has the skeleton changed?`);
    fs.writeFileSync(target, after);
  }
  return dir;
}

const byName = (report: VerifyReport, name: string): CheckResult => {
  const found = report.checks.find(c => c.name === name);
  if (!found) throw new Error(`no check named ${name}`);
  return found;
};
const failing = (report: VerifyReport) =>
  report.checks
    .filter(c => c.status === 'fail')
    .map(c => c.name)
    .sort();
const summary = (c: CheckResult) =>
  `${c.status.toUpperCase()} ${c.name}${c.reason ? ` (${c.reason})` : ''}${c.findings.map(f => `\n  ${f.file} ${f.field ?? ''}: ${f.message}`).join('')}`;

describe('the rendered my-redis repository', () => {
  test('passes every check', () => {
    const notPassing = baseline.checks.filter(c => c.status !== 'pass').map(summary);
    expect(notPassing).toEqual([]);
    expect(baseline.ok).toBe(true);
    expect(baseline.checks.map(c => c.name)).toEqual(CHECKS.map(c => c.name));

    console.log(`verifyGeneratedRepo(my-redis), app run included: ${baselineMs} ms (first call, cold module load)`);
  });

  test('formatReport prints one line per check and the verdict', () => {
    const text = formatReport(baseline);
    expect(text).toContain('PASS yaml-parse — every YAML file parses');
    expect(text).toContain('PASS pdb-present — ');
    expect(text.split('\n').filter(l => /^(PASS|FAIL|SKIP|OFF) /.test(l))).toHaveLength(CHECKS.length);
    expect(text.trim().split('\n').pop()).toMatch(/^OK: \d+ passed, 0 failed/);
  });
});

type BrokenCase = {
  title: string;
  edits: Record<string, (text: string) => string>;
  /** Exactly the checks that must fail: the defect is caught, and nothing else is blamed. */
  fails: string[];
  rule: string;
  file: string;
  field?: string;
  message?: RegExp;
  runApp?: boolean;
};

const APP_IN_MEMORY = `
# Broken on purpose: values live in memory only.
_memory = {}
_disk_get = Handler.do_GET

def _get(self):
    if self.path in ("/healthz", "/readyz"):
        return _disk_get(self)
    key = self.key()
    if key in _memory:
        return self.reply(200, _memory[key], "application/octet-stream")
    return self.reply_json(404, {"error": "no such key"})

def _put(self):
    key = self.key()
    _memory[key] = self.rfile.read(int(self.headers.get("Content-Length") or 0))
    return self.reply_json(201, {"stored": key})

Handler.do_GET = _get
Handler.do_PUT = _put

if __name__ == "__main__":`;

const cases: BrokenCase[] = [
  {
    title: 'a -lb Service whose selector no longer matches the pods',
    edits: {
      'deploy/overlays/staging/service.yaml': t =>
        t.replace(
          '  selector:\n    app.kubernetes.io/name: my-redis\n',
          '  selector:\n    app.kubernetes.io/name: my-redis-typo\n',
        ),
    },
    fails: ['services-target-pods'],
    rule: 'services-target-pods',
    file: 'deploy/overlays/staging/service.yaml',
    field: 'spec.selector',
    message: /\[overlay staging\]/,
  },
  {
    title: 'an Ingress pointing at the headless Service',
    edits: {
      'deploy/overlays/prod/ingress.yaml': t =>
        t.replace('name: my-redis-lb', 'name: my-redis').replace('name: http', 'name: app'),
    },
    fails: ['ingress-targets-lb'],
    rule: 'ingress-targets-lb',
    file: 'deploy/overlays/prod/ingress.yaml',
    field: 'spec.rules[0].http.paths[0].backend.service.name',
    message: /headless/,
  },
  {
    title: 'a staging Ingress without tls',
    edits: { 'deploy/overlays/staging/ingress.yaml': t => t.replace(/^ {2}tls:\n(?: {4,}.*\n)+/m, '') },
    fails: ['ingress-tls'],
    rule: 'ingress-tls',
    file: 'deploy/overlays/staging/ingress.yaml',
    field: 'spec.tls',
  },
  {
    title: 'a duplicate key',
    edits: { 'catalog-info.yaml': t => t.replace(/^( {2}owner: .*)$/m, '$1\n  owner: "group:default/someone-else"') },
    fails: ['yaml-parse'],
    rule: 'yaml-parse',
    file: 'catalog-info.yaml',
    message: /DUPLICATE_KEY/,
  },
  {
    title: 'an image with :latest',
    edits: { 'deploy/overlays/test/kustomization.yaml': t => t.replace('newTag: "0.1.0"', 'newTag: "latest"') },
    fails: ['no-latest-tag'],
    rule: 'no-latest-tag',
    file: 'deploy/overlays/test/kustomization.yaml',
    field: 'images[0].newTag',
  },
  {
    title: 'a removed PodDisruptionBudget',
    edits: { 'deploy/base/statefulset.yaml': t => t.split(/^---$/m)[0] },
    // The golden-path file also lost its second document: the structure check says so too.
    fails: ['no-structure-from-text', 'pdb-present'],
    rule: 'pdb-present',
    file: 'deploy/base/statefulset.yaml',
  },
  {
    title: 'a misspelt field (replica: 1)',
    edits: { 'deploy/base/statefulset.yaml': t => t.replace(/^( {2})replicas:/m, '$1replica:') },
    fails: ['kubernetes-schema'],
    rule: 'kubernetes-schema',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.replica',
    message: /unknown field "replica"/,
  },
  {
    title: 'a catalog-info with a bad owner ref',
    edits: { 'catalog-info.yaml': t => t.replace(/^( {2}owner: ).*$/m, '$1"group:default/Platform Team!"') },
    fails: ['catalog-entity'],
    rule: 'catalog-entity',
    file: 'catalog-info.yaml',
    field: 'spec.owner',
  },
  {
    title: 'a workflow with an invalid on:',
    edits: { '.github/workflows/delivery.yml': t => t.replace(/^on:\n {2}push:/m, 'on:\n  pushed:') },
    fails: ['workflow-syntax'],
    rule: 'workflow-syntax',
    file: '.github/workflows/delivery.yml',
    field: 'on',
  },
  {
    title: 'kustomize labels reaching the volumeClaimTemplates',
    edits: { 'deploy/base/kustomization.yaml': t => t.replace('includeTemplates: false', 'includeTemplates: true') },
    fails: ['vct-no-extra-labels'],
    rule: 'vct-no-extra-labels',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.volumeClaimTemplates[0].metadata.labels["app.kubernetes.io/part-of"]',
  },
  {
    title: 'user text that became structure (an unquoted description)',
    edits: { 'catalog-info.yaml': t => t.replace(/^( {2}description: ).*$/m, '$1Session cache\n  evil: true') },
    fails: ['no-structure-from-text'],
    rule: 'no-structure-from-text',
    file: 'catalog-info.yaml',
    field: 'metadata.evil',
  },
  {
    title: 'a YAML anchor and alias',
    edits: {
      'deploy/overlays/dev/service.yaml': t =>
        t
          .replace(
            '  labels:\n    app.kubernetes.io/name: my-redis',
            '  labels:\n    app.kubernetes.io/name: &app my-redis',
          )
          .replace(
            '  selector:\n    app.kubernetes.io/name: my-redis',
            '  selector:\n    app.kubernetes.io/name: *app',
          ),
    },
    fails: ['no-structure-from-text'],
    rule: 'no-structure-from-text',
    file: 'deploy/overlays/dev/service.yaml',
    field: 'spec.selector["app.kubernetes.io/name"]',
    message: /alias/,
  },
  // The policy rules' branches are in policy/rules.test.ts; these show where a finding points once
  // kustomize has merged base, overlay and patches.
  {
    title: 'privilege escalation allowed in the base (every overlay, the base file)',
    edits: {
      'deploy/base/statefulset.yaml': t =>
        t.replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true'),
    },
    fails: ['pod-security'],
    rule: 'pod-security',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation',
    message: /\[overlays (?=.*dev)(?=.*test)(?=.*staging)(?=.*prod)/,
  },
  {
    title: "a prod patch that requests more memory than the limit (the patched resource's file, prod only)",
    edits: { 'deploy/overlays/prod/kustomization.yaml': t => t.replace('value: 256Mi', 'value: 1Gi') },
    fails: ['resources-set'],
    rule: 'resources-set',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.template.spec.containers[0].resources.requests.memory',
    message: /requests more memory \(1Gi\) than its limit \(512Mi\) \[overlay prod\]$/,
  },
  {
    title: 'an overlay kustomization that puts everything in the default namespace',
    edits: { 'deploy/overlays/dev/kustomization.yaml': t => t.replace(/^namespace: .*$/m, 'namespace: default') },
    fails: ['no-default-namespace'],
    rule: 'no-default-namespace',
    file: 'deploy/overlays/dev/kustomization.yaml',
    field: 'namespace',
    message: /^puts .*StatefulSet my-redis.* in the "default" namespace \[overlay dev\]$/,
  },
  {
    title: 'PVCs deleted with the StatefulSet',
    edits: { 'deploy/base/statefulset.yaml': t => t.replace('whenDeleted: Retain', 'whenDeleted: Delete') },
    fails: ['pvc-retention'],
    rule: 'pvc-retention',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted',
  },
  {
    title: 'a headless Service that lost clusterIP: None (the Service file, not the StatefulSet)',
    edits: { 'deploy/base/service-headless.yaml': t => t.replace('  clusterIP: None\n', '') },
    fails: ['headless-service-matches'],
    rule: 'headless-service-matches',
    file: 'deploy/base/service-headless.yaml',
    field: 'spec.clusterIP',
  },
  {
    title: 'a StatefulSet selector its pod template does not satisfy',
    edits: {
      'deploy/base/statefulset.yaml': t =>
        t.replace(
          '  selector:\n    matchLabels:\n      app.kubernetes.io/name: my-redis\n',
          '  selector:\n    matchLabels:\n      app.kubernetes.io/name: my-redis-old\n',
        ),
    },
    fails: ['selector-matches-template'],
    rule: 'selector-matches-template',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.selector',
  },
  {
    title: 'a readiness probe on a port the container does not have',
    edits: {
      'deploy/base/statefulset.yaml': t =>
        t.replace(/(readinessProbe:\n\s+httpGet:\n\s+path: \/readyz\n\s+port:) app/, '$1 http'),
    },
    fails: ['probes-on-app-port'],
    rule: 'probes-on-app-port',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.template.spec.containers[0].readinessProbe.httpGet.port',
  },
  {
    title: 'an Ingress on a port the -lb Service does not expose',
    edits: {
      'deploy/overlays/staging/ingress.yaml': t => t.replace(/(port:\n\s+name:) http/, '$1 web'),
    },
    fails: ['ingress-targets-lb'],
    rule: 'ingress-targets-lb',
    file: 'deploy/overlays/staging/ingress.yaml',
    field: 'spec.rules[0].http.paths[0].backend.service.port',
    message: /not exposed by Service my-redis-lb .*\[overlay staging\]/,
  },
  {
    title: 'an Ingress routing to a Service that is not the -lb entry point',
    edits: {
      'deploy/overlays/test/service.yaml': t => t.replace('name: my-redis-lb', 'name: my-redis-web'),
      'deploy/overlays/test/ingress.yaml': t => t.replace('name: my-redis-lb', 'name: my-redis-web'),
    },
    fails: ['ingress-targets-lb'],
    rule: 'ingress-targets-lb',
    file: 'deploy/overlays/test/ingress.yaml',
    field: 'spec.rules[0].http.paths[0].backend.service.name',
    message: /not the app's entry point my-redis-lb \[overlay test\]/,
  },
  {
    title: 'an app.py that keeps values in memory only',
    edits: { 'app.py': t => t.replace(/\nif __name__ == "__main__":/, APP_IN_MEMORY) },
    fails: ['app-runs'],
    rule: 'app-runs',
    file: 'app.py',
    message: /did not survive a restart/,
    runApp: true,
  },
];

describe('broken copies fail the right rule, with the file', () => {
  test.each(cases.map(c => [c.title, c] as const))('%s', async (_title, c) => {
    const dir = brokenCopy(c.title.replace(/\W+/g, '-'), c.edits);
    const report = await verifyGeneratedRepo(dir, { runApp: c.runApp ?? false });
    const check = byName(report, c.rule);
    expect(summary(check)).toMatch(/^FAIL /);
    expect(check.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: c.file,
          ...(c.field ? { field: c.field } : {}),
          ...(c.message ? { message: expect.stringMatching(c.message) } : {}),
        }),
      ]),
    );
    expect({
      failing: failing(report),
      details: report.checks.filter(x => x.status === 'fail' && !c.fails.includes(x.name)).map(summary),
    }).toEqual({ failing: [...c.fails].sort(), details: [] });
    expect(report.ok).toBe(false);
    expect(formatReport(report)).toContain(`FAIL ${c.rule} — `);
  });

  test('a check whose input did not parse is skipped with the reason, not passed', async () => {
    const dir = brokenCopy('duplicate-in-statefulset', {
      'deploy/base/statefulset.yaml': t => t.replace(/^( {2}replicas: .*)$/m, '$1\n  replicas: 3'),
    });
    const report = await verifyGeneratedRepo(dir, { runApp: false });
    expect(byName(report, 'yaml-parse').findings).toEqual([
      expect.objectContaining({ file: 'deploy/base/statefulset.yaml' }),
    ]);
    expect(byName(report, 'kustomize-build').status).toBe('fail');
    for (const name of ['kubernetes-schema', 'pdb-present', 'ingress-tls']) {
      expect({ name, status: byName(report, name).status, reason: byName(report, name).reason }).toEqual({
        name,
        status: 'skip',
        reason: expect.stringMatching(/no overlay built/),
      });
    }
  });
});

describe('app-runs', () => {
  test('an app that never gets ready fails within the timeout, and leaves no process or folder behind', async () => {
    const dir = path.join(tmpRoot, 'stuck-app');
    fs.mkdirSync(dir);
    // Answers /healthz but never /readyz, and ignores SIGTERM.
    fs.writeFileSync(
      path.join(dir, 'app.py'),
      [
        'import os, signal',
        'from http.server import BaseHTTPRequestHandler, HTTPServer',
        'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
        'class H(BaseHTTPRequestHandler):',
        '    def log_message(self, *a): pass',
        '    def do_GET(self):',
        '        self.send_response(200 if self.path == "/healthz" else 503); self.end_headers()',
        'HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()',
        '',
      ].join('\n'),
    );
    const dataDirs = () => fs.readdirSync(os.tmpdir()).filter(f => f.startsWith('golden-path-verify-data-')).length;
    const before = dataDirs();
    const started = Date.now();
    const result = await checkAppRuns(dir, 2_000);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result).toMatchObject({
      status: 'fail',
      findings: [{ file: 'app.py', message: expect.stringMatching(/readyz did not answer 200 in time/) }],
    });
    expect(dataDirs()).toBe(before);
  });
});

describe('tools', () => {
  test('without kustomize the build and everything after it is skipped with a reason saying so', async () => {
    const report = await verifyGeneratedRepo(rendered, {
      runApp: false,
      kustomize: path.join(tmpRoot, 'no-such-kustomize'),
    });
    expect(byName(report, 'kustomize-build')).toMatchObject({
      status: 'skip',
      reason: expect.stringMatching(/not found/),
    });
    expect(byName(report, 'kubernetes-schema')).toMatchObject({
      status: 'skip',
      reason: expect.stringMatching(/no kustomize output/),
    });
    expect(byName(report, 'probes-on-app-port').status).toBe('skip');
    expect(byName(report, 'catalog-entity').status).toBe('pass');
    expect(byName(report, 'app-runs')).toMatchObject({ status: 'skip', reason: expect.stringMatching(/runApp/) });
    expect(report.ok).toBe(false); // an unverified deployment is not a pass
    expect(formatReport(report)).toMatch(/^SKIP kustomize-build — .*\(skipped: .*not found/m);
  });
});

describe('loadVerifyConfig', () => {
  const writeConfig = (name: string, text: string) => {
    const file = path.join(tmpRoot, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('a rule switched off with a reason is reported as off, with the reason', async () => {
    const config = loadVerifyConfig(
      writeConfig(
        'off.yaml',
        'rules:\n  pdb-present:\n    enabled: false\n    reason: "single replica cache: a drain may take it down"\n',
      ),
    );
    expect(config).toEqual({
      rules: { 'pdb-present': { enabled: false, reason: 'single replica cache: a drain may take it down' } },
    });
    const dir = brokenCopy('no-pdb-but-off', { 'deploy/base/statefulset.yaml': t => t.split(/^---$/m)[0] });
    const report = await verifyGeneratedRepo(dir, { runApp: false, config });
    expect(byName(report, 'pdb-present')).toMatchObject({
      status: 'off',
      reason: 'single replica cache: a drain may take it down',
      findings: [],
    });
    expect(failing(report)).toEqual(['no-structure-from-text']);
    expect(formatReport(report)).toContain(
      "OFF pdb-present — a PodDisruptionBudget selects each StatefulSet's pods (switched off: single replica cache",
    );
  });

  test('a rule switched off without a reason is an error', () => {
    const file = writeConfig('no-reason.yaml', 'rules:\n  pdb-present:\n    enabled: false\n');
    expect(() => loadVerifyConfig(file)).toThrow(/pdb-present is switched off without a reason/);
  });

  test('an unknown rule name is an error naming it', () => {
    const file = writeConfig('unknown.yaml', 'rules:\n  pdb-presnt:\n    enabled: false\n    reason: typo\n');
    expect(() => loadVerifyConfig(file)).toThrow(/unknown rule name: pdb-presnt/);
  });

  test('the same rules apply to a config passed in code', async () => {
    await expect(
      verifyGeneratedRepo(rendered, { runApp: false, config: { rules: { nope: { enabled: false, reason: 'x' } } } }),
    ).rejects.toThrow(/nope/);
  });
});
