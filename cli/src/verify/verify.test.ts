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

/** An edit of one file: its new text, or null to delete it (a missing file is read as ""). */
type Edit = (text: string) => string | null;

/** A copy of a folder with some files edited; every edit must change its file. */
function editedCopy(from: string, name: string, edits: Record<string, Edit>): string {
  const dir = path.join(tmpRoot, name);
  fs.cpSync(from, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const target = path.join(dir, file);
    const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    const after = edit(before);
    if (after === before)
      throw new Error(`the edit of ${file} for "${name}" changed nothing: has the skeleton changed?`);
    if (after === null) fs.rmSync(target);
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, after);
    }
  }
  return dir;
}

/** A copy of the rendered repository with some files edited. */
const brokenCopy = (name: string, edits: Record<string, Edit>) => editedCopy(rendered, name, edits);
/** A copy of the platform folder (Argo CD objects, reusable workflow) with some files edited. */
const brokenPlatform = (name: string, edits: Record<string, Edit>) =>
  editedCopy(path.join(REPO_ROOT, 'platform'), `${name}-platform/platform`, edits);

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
  edits: Record<string, Edit>;
  /** Edits of the platform folder the repository is checked against. */
  platformEdits?: Record<string, Edit>;
  /** Exactly the checks that must fail: the defect is caught, and nothing else is blamed. */
  fails: string[];
  /**
   * Checks that may also fail, depending on timing (not asserted either way): e.g. a pod that has
   * not settled after its start asks the other pods on a miss (app.py's adopt), so a read through
   * another pod can still find a value that a broken app stored in the wrong place.
   */
  mayFail?: string[];
  rule: string;
  file: string;
  field?: string;
  message?: RegExp;
  runApp?: boolean;
};

const REPLICA_CHECKS = ['app-replicas-forward', 'app-bad-requests', 'app-replicas-restart', 'app-graceful-shutdown'];

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
    edits: {
      'deploy/overlays/test/kustomization.yaml': t => t.replace('newTag: "not-yet-delivered"', 'newTag: "latest"'),
    },
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
    // The catalog's kubernetes-namespace and the Argo CD Application's destination still say the old namespace.
    fails: ['argocd-wiring', 'catalog-plugin-annotations', 'no-default-namespace'],
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
    title: 'a NetworkPolicy that no longer admits the Kong namespace',
    edits: {
      'deploy/base/networkpolicy.yaml': t =>
        t.replace(
          / {4}- from:\n {8}- namespaceSelector:\n {12}matchLabels:\n {14}kubernetes\.io\/metadata\.name: kong\n {6}ports:\n {8}- port: app\n {10}protocol: TCP\n/,
          '',
        ),
    },
    fails: ['network-policy'],
    rule: 'network-policy',
    file: 'deploy/base/networkpolicy.yaml',
    field: 'spec.ingress',
    message: /Ingress controller's namespace to port app\/6379, which Ingress my-redis reaches/,
  },
  {
    title: 'no NetworkPolicy at all',
    edits: { 'deploy/base/kustomization.yaml': t => t.replace('  - networkpolicy.yaml\n', '') },
    fails: ['network-policy'],
    rule: 'network-policy',
    file: 'deploy/base/statefulset.yaml',
    message: /no NetworkPolicy in namespace "apps" selects its pods/,
  },
  {
    title: 'a NetworkPolicy without DNS egress',
    edits: { 'deploy/base/networkpolicy.yaml': t => t.replace(/ {8}- port: 53\n {10}protocol: UDP\n/, '') },
    fails: ['network-policy'],
    rule: 'network-policy',
    file: 'deploy/base/networkpolicy.yaml',
    field: 'spec.egress',
    message: /no egress rule allows DNS/,
  },
  {
    title: 'pods on the default ServiceAccount',
    edits: { 'deploy/base/statefulset.yaml': t => t.replace(/^ {6}serviceAccountName: .*\n/m, '') },
    fails: ['dedicated-service-account'],
    rule: 'dedicated-service-account',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.template.spec.serviceAccountName',
    message: /default ServiceAccount/,
  },
  {
    title: 'a ServiceAccount that mounts its token',
    edits: {
      'deploy/base/serviceaccount.yaml': t =>
        t.replace('automountServiceAccountToken: false', 'automountServiceAccountToken: true'),
    },
    fails: ['dedicated-service-account'],
    rule: 'dedicated-service-account',
    file: 'deploy/base/serviceaccount.yaml',
    field: 'automountServiceAccountToken',
  },
  {
    title: 'no ephemeral-storage limit',
    edits: { 'deploy/base/statefulset.yaml': t => t.replace(/^ {14}ephemeral-storage: 256Mi\n/m, '') },
    fails: ['ephemeral-storage-set'],
    rule: 'ephemeral-storage-set',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.template.spec.containers[0].resources.limits["ephemeral-storage"]',
  },
  {
    title: 'imagePullPolicy IfNotPresent',
    edits: {
      'deploy/base/statefulset.yaml': t => t.replace('imagePullPolicy: Always', 'imagePullPolicy: IfNotPresent'),
    },
    fails: ['image-pull-policy-always'],
    rule: 'image-pull-policy-always',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.template.spec.containers[0].imagePullPolicy',
  },
  {
    title: 'a floating base image',
    edits: { Dockerfile: t => t.replaceAll('python:3.12.8-slim-bookworm', 'python:3.12-slim') },
    fails: ['base-image-pinned'],
    rule: 'base-image-pinned',
    file: 'Dockerfile',
    message: /tag 3\.12-slim follows a release line/,
  },
  {
    title: 'no OCI source label',
    edits: { Dockerfile: t => t.replace(/^ +org\.opencontainers\.image\.source=.*\n/m, '') },
    fails: ['image-metadata'],
    rule: 'image-metadata',
    file: 'Dockerfile',
    message: /no org\.opencontainers\.image\.source label/,
  },
  {
    title: 'a .dockerignore that excludes app.py',
    edits: { '.dockerignore': t => t.replace('!app.py\n', '') },
    fails: ['image-metadata'],
    rule: 'image-metadata',
    file: '.dockerignore',
    message: /excludes app\.py, which the Dockerfile copies/,
  },
  {
    title: 'CODEOWNERS naming another team',
    edits: { '.github/CODEOWNERS': t => t.replace('@goldenpathidp/platform-team', '@goldenpathidp/someone-else') },
    fails: ['codeowners'],
    rule: 'codeowners',
    file: '.github/CODEOWNERS',
    message: /catalog owner group:default\/platform-team is @goldenpathidp\/platform-team/,
  },
  {
    title: 'a TechDocs nav page that is missing',
    edits: { 'docs/operations.md': () => null },
    fails: ['techdocs'],
    rule: 'techdocs',
    file: 'mkdocs.yml',
    field: 'nav',
  },
  {
    title: 'a kubernetes-namespace annotation that is not where the pods run',
    edits: {
      'catalog-info.yaml': t =>
        t.replace('backstage.io/kubernetes-namespace: apps', 'backstage.io/kubernetes-namespace: other'),
    },
    fails: ['catalog-plugin-annotations'],
    rule: 'catalog-plugin-annotations',
    file: 'catalog-info.yaml',
    field: 'metadata.annotations["backstage.io/kubernetes-namespace"]',
  },
  {
    title: 'a caller input the reusable workflow does not declare',
    edits: {
      '.github/workflows/delivery.yml': t =>
        t.replace('      dockerfile: Dockerfile\n', '      dockerfile: Dockerfile\n      aws-region: eu-west-1\n'),
    },
    fails: ['delivery-workflow-contract'],
    rule: 'delivery-workflow-contract',
    file: '.github/workflows/delivery.yml',
    field: 'jobs.delivery.with.aws-region',
    message: /does not declare/,
  },
  {
    title: 'a caller that no longer grants id-token: write',
    edits: { '.github/workflows/delivery.yml': t => t.replace(/^ {6}id-token: write.*\n/m, '') },
    fails: ['delivery-workflow-contract'],
    rule: 'delivery-workflow-contract',
    file: '.github/workflows/delivery.yml',
    field: 'jobs.delivery.permissions',
    message: /job "build" needs id-token: write, but this job grants id-token: none/,
  },
  {
    title: 'paths-ignore without deploy/**',
    edits: { '.github/workflows/delivery.yml': t => t.replace("      - 'deploy/**'\n", '') },
    fails: ['delivery-no-retrigger'],
    rule: 'delivery-no-retrigger',
    file: '.github/workflows/delivery.yml',
    field: 'on.push',
    message: /delivery commit to deploy\/overlays\/dev .* would start this workflow again/,
  },
  {
    title: 'a catalog argocd/app-selector that selects nothing',
    edits: { 'catalog-info.yaml': t => t.replace('"backstage.io/kubernetes-id=my-redis"', '"app=my-redis"') },
    fails: ['argocd-wiring'],
    rule: 'argocd-wiring',
    file: 'catalog-info.yaml',
    field: 'metadata.annotations["argocd/app-selector"]',
  },
  {
    title: 'a release record shipped with the repository',
    edits: { 'deploy/overlays/prod/release.yaml': () => 'component: "my-redis"\nenvironment: "prod"\n' },
    fails: ['overlays-await-build'],
    rule: 'overlays-await-build',
    file: 'deploy/overlays/prod/release.yaml',
  },
  {
    title: 'an ApplicationSet that no longer selects the golden-path topic',
    edits: {},
    platformEdits: { 'argocd/applicationset.yaml': t => t.replace('^golden-path$', '^golden-paths$') },
    fails: ['argocd-wiring'],
    rule: 'argocd-wiring',
    file: 'platform/argocd/applicationset.yaml',
    message: /no ApplicationSet picks up goldenpathidp\/my-redis .*no topic .* matches labelMatch/,
  },
  {
    title: 'an ApplicationSet that deploys every overlay at once',
    edits: {},
    platformEdits: {
      'argocd/applicationset.yaml': t =>
        t
          .replace(
            'files:\n                - path: deploy/overlays/*/release.yaml',
            'directories:\n                - path: deploy/overlays/*',
          )
          .replace("'{{ .component }}'", "'{{ .repository }}'"),
    },
    fails: ['overlays-await-build'],
    rule: 'overlays-await-build',
    file: 'platform/argocd/applicationset.yaml',
    message: /deploys deploy\/overlays\/prod .* before any build reached it .*:not-yet-delivered/,
  },
  {
    title: 'a sync policy that applies volumeClaimTemplates',
    edits: {},
    platformEdits: { 'argocd/applicationset.yaml': t => t.replace('          - RespectIgnoreDifferences=true\n', '') },
    fails: ['argocd-stateful-sync'],
    rule: 'argocd-stateful-sync',
    file: 'platform/argocd/applicationset.yaml',
    field: 'spec.template.spec.syncPolicy.syncOptions',
    message: /add RespectIgnoreDifferences=true/,
  },
  {
    title: 'a misspelt Argo CD field',
    edits: {},
    platformEdits: { 'argocd/applicationset.yaml': t => t.replace('selfHeal: true', 'selfheal: true') },
    fails: ['argocd-schema'],
    rule: 'argocd-schema',
    file: 'platform/argocd/applicationset.yaml',
    message: /unknown field "selfheal"/,
  },
  {
    title: 'an AppProject that does not permit NetworkPolicies',
    edits: {},
    platformEdits: {
      'argocd/appproject.yaml': t => t.replace('    - group: networking.k8s.io\n      kind: NetworkPolicy\n', ''),
    },
    fails: ['argocd-wiring'],
    rule: 'argocd-wiring',
    file: 'deploy/base/networkpolicy.yaml',
    message: /NetworkPolicy my-redis .* is not permitted by AppProject golden-path/,
  },
  {
    title: 'a reusable workflow that is not valid GitHub Actions',
    edits: {},
    platformEdits: {
      'platform-workflows/.github/workflows/stateful-delivery.yml': t => t.replace('type: number', 'type: integer'),
    },
    fails: ['delivery-workflow-contract'],
    rule: 'delivery-workflow-contract',
    file: 'platform/platform-workflows/.github/workflows/stateful-delivery.yml',
    message: /not a valid GitHub Actions workflow/,
  },
  {
    title: 'a reusable workflow that needs a secret the caller does not pass',
    edits: {},
    platformEdits: {
      'platform-workflows/.github/workflows/stateful-delivery.yml': t =>
        t.replace(
          '    secrets:\n      argocd-auth-token:',
          '    secrets:\n      registry-token:\n        required: true\n      argocd-auth-token:',
        ),
    },
    fails: ['delivery-workflow-contract'],
    rule: 'delivery-workflow-contract',
    file: '.github/workflows/delivery.yml',
    field: 'jobs.delivery.secrets',
    message: /required secret "registry-token"/,
  },
  {
    title: 'an app.py that keeps values in memory only',
    edits: { 'app.py': t => t.replace(/\nif __name__ == "__main__":/, APP_IN_MEMORY) },
    // Its pods cannot see each other's values either, nor keep them across restarts.
    fails: ['app-runs', ...REPLICA_CHECKS],
    rule: 'app-runs',
    file: 'app.py',
    message: /did not survive a restart/,
    runApp: true,
  },
  {
    title: 'an app.py whose pods answer from their own folder (no forwarding)',
    edits: {
      'app.py': t =>
        t.replace(
          '    def owner_of(self, digest):\n',
          '    def owner_of(self, digest):\n        return self.ordinal  # broken: every pod owns every key\n',
        ),
    },
    // The single-process check cannot tell; the checks built on forwarding can. app-bad-requests
    // reads values back through another pod, which finds them while that pod has not settled.
    fails: REPLICA_CHECKS.filter(name => name !== 'app-bad-requests'),
    mayFail: ['app-bad-requests'],
    rule: 'app-replicas-forward',
    file: 'app.py',
    message: /^after a PUT through verify-\d, GET \/kv\/\S+ through verify-\d answered 404/,
    runApp: true,
  },
  {
    title: 'an overlay that scales the StatefulSet without REPLICAS',
    edits: {
      'deploy/overlays/prod/kustomization.yaml': t => `${t}replicas:\n  - name: my-redis\n    count: 3\n`,
    },
    fails: ['app-sharding-env'],
    rule: 'app-sharding-env',
    file: 'deploy/base/statefulset.yaml',
    field: 'spec.template.spec.containers[0].env[2].value',
    message: /REPLICAS is 1 but spec\.replicas is 3: change both together .*\[overlay prod\]$/,
  },
];

describe('broken copies fail the right rule, with the file', () => {
  test.each(cases.map(c => [c.title, c] as const))('%s', async (_title, c) => {
    const slug = c.title.replace(/\W+/g, '-');
    const dir = brokenCopy(slug, c.edits);
    const platformDir = c.platformEdits ? brokenPlatform(slug, c.platformEdits) : undefined;
    const report = await verifyGeneratedRepo(dir, { runApp: c.runApp ?? false, platformDir });
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
    const optional = (name: string) => c.mayFail?.includes(name) ?? false;
    expect({
      failing: failing(report).filter(name => !optional(name)),
      details: report.checks
        .filter(x => x.status === 'fail' && !c.fails.includes(x.name) && !optional(x.name))
        .map(summary),
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
    // Answers /healthz but never /readyz, and ignores SIGTERM. It notes its pid and DATA_DIR.
    fs.writeFileSync(
      path.join(dir, 'app.py'),
      [
        'import json, os, signal',
        'from http.server import BaseHTTPRequestHandler, HTTPServer',
        'json.dump({"pid": os.getpid(), "dataDir": os.environ["DATA_DIR"]}, open("started.json", "w"))',
        'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
        'class H(BaseHTTPRequestHandler):',
        '    def log_message(self, *a): pass',
        '    def do_GET(self):',
        '        self.send_response(200 if self.path == "/healthz" else 503); self.end_headers()',
        'HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()',
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const result = await checkAppRuns(dir, 2_000);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result).toMatchObject({
      status: 'fail',
      findings: [{ file: 'app.py', message: expect.stringMatching(/readyz did not answer 200 in time/) }],
    });
    // This run's own process and folder, not a count of the shared temp folder: other test files
    // run the app at the same time.
    const { pid, dataDir } = JSON.parse(fs.readFileSync(path.join(dir, 'started.json'), 'utf8'));
    expect(path.basename(dataDir)).toMatch(/^golden-path-verify-data-/);
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
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
