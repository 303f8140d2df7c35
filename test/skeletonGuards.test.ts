/**
 * Every platform addition the skeleton generates is guarded: a skeleton edit
 * that drops one makes `golden-path dry-run` fail, naming the check and the
 * file. Each case breaks a copy of the template and skeleton, as a platform
 * team's edit would, and runs the real command (embedded scaffolder, files on
 * disk, verification) against the platform folder this repository ships.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDryRunCommand } from '../cli/src/dryRunCommand';
import { EmbeddedScaffolder, startEmbeddedScaffolder } from '../cli/src/dryrun/embeddedScaffolder';
import { loadTemplateBundle } from '../cli/src/dryrun/templateBundle';
import { REPO_ROOT, SEED_VALUES } from './support/rendered';

/** A copy of templates/ and skeleton/ with edits; every edit must change its file (null deletes it). */
function templateCopy(edits: Record<string, (text: string) => string | null>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guarded-template-'));
  fs.cpSync(path.join(REPO_ROOT, 'templates'), path.join(dir, 'templates'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'skeleton'), path.join(dir, 'skeleton'), { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const target = path.join(dir, file);
    const before = fs.readFileSync(target, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`the edit of ${file} changed nothing: has the skeleton changed?`);
    if (after === null) fs.rmSync(target);
    else fs.writeFileSync(target, after);
  }
  return path.join(dir, 'templates/stateful-app/template.yaml');
}

// One scaffolder for the file: the command renders each broken copy with it.
let scaffolder: EmbeddedScaffolder;
beforeAll(async () => {
  scaffolder = await startEmbeddedScaffolder();
}, 60_000);
afterAll(() => scaffolder?.stop());

async function dryRun(template: string): Promise<{ code: number; report: any }> {
  let stdout = '';
  const code = await runDryRunCommand({
    valuesFiles: [],
    template,
    platform: path.join(REPO_ROOT, 'platform'),
    json: true,
    verify: true,
    runApp: false,
    force: false,
    cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'guard-')),
    scaffolder,
    stdout: t => (stdout += t),
    stderr: () => undefined,
  });
  return { code, report: JSON.parse(stdout) };
}

const cases: Array<[string, Record<string, (text: string) => string | null>, string, RegExp]> = [
  [
    'the NetworkPolicy',
    { 'skeleton/deploy/base/kustomization.yaml': t => t.replace('  - networkpolicy.yaml\n', '') },
    'network-policy',
    /deploy\/base\/statefulset\.yaml.*no NetworkPolicy .* selects its pods/,
  ],
  [
    "the NetworkPolicy's Ingress path (the Kong namespace rule)",
    {
      'skeleton/deploy/base/networkpolicy.yaml': t =>
        t.replace(
          / {4}- from:\n {8}- namespaceSelector:\n(?: {10,}.*\n)+? {6}ports:\n {8}- port: app\n {10}protocol: TCP\n/,
          '',
        ),
    },
    'network-policy',
    /deploy\/base\/networkpolicy\.yaml.*Ingress controller's namespace/,
  ],
  [
    'the dedicated ServiceAccount',
    { 'skeleton/deploy/base/statefulset.yaml': t => t.replace(/^ {6}serviceAccountName: .*\n/m, '') },
    'dedicated-service-account',
    /deploy\/base\/statefulset\.yaml.*default ServiceAccount/,
  ],
  [
    'ephemeral-storage',
    { 'skeleton/deploy/base/statefulset.yaml': t => t.replace(/^ {14}ephemeral-storage: .*\n/gm, '') },
    'ephemeral-storage-set',
    /sets no ephemeral-storage request/,
  ],
  [
    'imagePullPolicy: Always',
    { 'skeleton/deploy/base/statefulset.yaml': t => t.replace(/^ {10}imagePullPolicy: Always\n/m, '') },
    'image-pull-policy-always',
    /imagePullPolicy "unset", not Always/,
  ],
  [
    'the pinned base image',
    { 'skeleton/Dockerfile': t => t.replaceAll('python:3.12.8-slim-bookworm', 'python:3.12-slim') },
    'base-image-pinned',
    /Dockerfile.*tag 3\.12-slim follows a release line/,
  ],
  [
    'the OCI labels',
    { 'skeleton/Dockerfile': t => t.replace(/^LABEL [\s\S]*?base\.name=.*\n/m, '') },
    'image-metadata',
    /no org\.opencontainers\.image\.title label/,
  ],
  ['the .dockerignore', { 'skeleton/.dockerignore': () => null }, 'image-metadata', /there is no \.dockerignore/],
  ['CODEOWNERS', { 'skeleton/.github/CODEOWNERS': () => null }, 'codeowners', /there is no CODEOWNERS/],
  ['TechDocs (mkdocs.yml)', { 'skeleton/mkdocs.yml': () => null }, 'techdocs', /there is no mkdocs\.yml/],
  [
    "the Argo CD plugin's annotation",
    { 'skeleton/catalog-info.yaml': t => t.replace(/^ {4}argocd\/app-selector: .*\n/m, '') },
    'argocd-wiring',
    /neither argocd\/app-name nor argocd\/app-selector/,
  ],
  [
    'a matching Kubernetes plugin namespace annotation',
    {
      'skeleton/catalog-info.yaml': t =>
        t.replace(
          'backstage.io/kubernetes-namespace: ${{ values.namespace }}',
          'backstage.io/kubernetes-namespace: default',
        ),
    },
    'catalog-plugin-annotations',
    /is default, but StatefulSet my-redis runs in apps/,
  ],
  [
    "deploy/** in the caller's paths-ignore (a delivery loop)",
    { 'skeleton/.github/workflows/delivery.yml': t => t.replace("      - 'deploy/**'\n", '') },
    'delivery-no-retrigger',
    /would start this workflow again/,
  ],
  [
    'a caller that agrees with the reusable workflow (an undeclared input)',
    {
      'skeleton/.github/workflows/delivery.yml': t =>
        t.replace('      dockerfile: Dockerfile\n', '      dockerfile: Dockerfile\n      cluster: eks-dev\n'),
    },
    'delivery-workflow-contract',
    /passes input "cluster", which stateful-delivery\.yml does not declare/,
  ],
];

it.each(cases)('a skeleton without %s fails golden-path dry-run', async (_what, edits, check, finding) => {
  const { code, report } = await dryRun(templateCopy(edits));
  expect(code).toBe(1);
  const failed = report.results[0].verify.checks.filter((c: any) => c.status === 'fail');
  expect(failed.map((c: any) => c.name)).toEqual([check]);
  const findings = failed[0].findings.map((f: any) => `${f.file} ${f.field ?? ''}: ${f.message}`).join('\n');
  expect(findings).toMatch(finding);
});

it('the unbroken template passes every check, against the same platform folder', async () => {
  const { code, report } = await dryRun(path.join(REPO_ROOT, 'templates/stateful-app/template.yaml'));
  const checks = report.results[0].verify.checks;
  // The app checks are skipped on request (runApp: false); everything else must pass.
  const notPassed = checks.filter((c: any) => c.status !== 'pass');
  expect(notPassed.filter((c: any) => !(c.status === 'skip' && /runApp is false/.test(c.reason)))).toEqual([]);
  expect(code).toBe(0);
});

describe('the base domain is written once', () => {
  const template = path.join(REPO_ROOT, 'templates/stateful-app/template.yaml');

  it('appears once in the template, as the validate step input', () => {
    const lines = fs.readFileSync(template, 'utf8').split('\n');
    expect(lines.filter(l => l.includes('goldenpathidp.io'))).toEqual(['        baseDomain: goldenpathidp.io']);
  });

  it('changing it there moves every host, the catalog link and the task link', async () => {
    const copy = templateCopy({
      'templates/stateful-app/template.yaml': t =>
        t.replace('baseDomain: goldenpathidp.io', 'baseDomain: apps.example.org'),
    });
    const result = await scaffolder.dryRun(loadTemplateBundle(copy), { ...SEED_VALUES, environment: 'staging' } as any);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const everything = result.files.map(f => f.content.toString('utf8')).join('\n');
    expect(everything).not.toContain('goldenpathidp.io');
    expect(everything).toContain('my-redis.staging.apps.example.org');
    expect((result.output as any).links).toEqual(
      expect.arrayContaining([expect.objectContaining({ url: 'https://my-redis.staging.apps.example.org' })]),
    );
  });

  it('a base domain that is not a DNS name stops the task, naming it', async () => {
    const copy = templateCopy({
      'templates/stateful-app/template.yaml': t => t.replace('baseDomain: goldenpathidp.io', 'baseDomain: Example_Org'),
    });
    const result = await scaffolder.dryRun(loadTemplateBundle(copy), SEED_VALUES as any);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toMatch(/- baseDomain: "Example_Org" must be a lowercase DNS name/);
  });
});
