import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { DryRunFile } from '../../cli/src/dryrun/embeddedScaffolder';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const TEMPLATE_FILE = path.join(REPO_ROOT, 'templates/stateful-app/template.yaml');

/** The seed's example values, as the Create form sends them. */
export const SEED_VALUES = {
  component_id: 'my-redis',
  description: 'Session cache for user service',
  owner: 'group:default/platform-team',
  environment: 'dev',
  replicas: 1,
  storageSize: '10Gi',
  storageClass: 'gp3',
  mountPath: '/data',
  port: 6379,
  repoUrl: 'github.com?owner=goldenpathidp&repo=my-redis',
};

/** The seed's output tree, file by file, with the platform's additions (NetworkPolicy, ServiceAccount, CODEOWNERS, TechDocs, .dockerignore). */
export const SEED_TREE = [
  '.dockerignore',
  '.github/CODEOWNERS',
  '.github/workflows/delivery.yml',
  'Dockerfile',
  'README.md',
  'app.py',
  'catalog-info.yaml',
  'deploy/base/kustomization.yaml',
  'deploy/base/networkpolicy.yaml',
  'deploy/base/service-headless.yaml',
  'deploy/base/serviceaccount.yaml',
  'deploy/base/statefulset.yaml',
  'docs/index.md',
  'docs/operations.md',
  'mkdocs.yml',
  ...['dev', 'prod', 'staging', 'test'].flatMap(env =>
    ['ingress.yaml', 'kustomization.yaml', 'service.yaml'].map(f => `deploy/overlays/${env}/${f}`),
  ),
];

export const ENVIRONMENTS = ['dev', 'test', 'staging', 'prod'] as const;

export function fileText(files: DryRunFile[], file: string): string {
  const found = files.find(f => f.path === file);
  if (!found) throw new Error(`${file} was not rendered (got ${files.map(f => f.path).join(', ')})`);
  return found.content.toString('utf8');
}

/** Parses every document of a YAML file, failing on any YAML error or duplicate key. */
export function yamlDocs(files: DryRunFile[], file: string): any[] {
  return YAML.parseAllDocuments(fileText(files, file), { uniqueKeys: true }).map(doc => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map(e => e.message).join('; ')}`);
    return doc.toJS();
  });
}

export function writeFiles(files: DryRunFile[], dir: string): string {
  for (const file of files) {
    const target = path.join(dir, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.content, { mode: file.executable ? 0o755 : 0o644 });
  }
  return dir;
}

/** Builds every overlay with the real kustomize (kubectl's), returning the objects per environment. */
export function kustomizeAll(files: DryRunFile[]): Record<string, any[]> {
  const dir = writeFiles(files, fs.mkdtempSync(path.join(os.tmpdir(), 'rendered-')));
  try {
    return Object.fromEntries(
      ENVIRONMENTS.map(env => {
        const out = execFileSync('kubectl', ['kustomize', path.join(dir, 'deploy/overlays', env)], {
          encoding: 'utf8',
        });
        return [env, YAML.parseAllDocuments(out).map(d => d.toJS())];
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
