/**
 * The platform side of the golden path, as shipped beside templates/ and
 * skeleton/: the Argo CD objects (platform/argocd, a kustomization applied to
 * the cluster Argo CD runs in) and the reusable delivery workflow
 * (platform/platform-workflows, published as the repository the thin callers
 * name). The verifier reads them to check that a generated repository and the
 * platform agree.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { findKustomizationFile } from '../sources';
import { KustomizeTool, run } from '../kustomize';
import { K8sObject } from '../types';
import { errorMessage, isRecord, listFiles } from '../util';

export const ARGOCD_DIR = 'argocd';

export type PlatformWorkflow = {
  /** Display path, e.g. platform/platform-workflows/.github/workflows/stateful-delivery.yml. */
  file: string;
  /** Its file name: what a caller's `uses: owner/repo/.github/workflows/<name>@ref` names. */
  name: string;
  text: string;
  doc?: any;
  parseError?: string;
};

export type PlatformFiles = {
  dir: string;
  /** A platform file's display path: relative to the folder holding the platform folder. */
  display(absFile: string): string;
  argocd:
    | { ok: true; objects: K8sObject[]; fileOf(obj: K8sObject): string; builtWith: string }
    | { ok: false; error: string };
  workflows: PlatformWorkflow[];
};

/**
 * Loads (and, with a kustomize tool, builds) the platform folder. The result is
 * kept per folder, tool and file contents: a dry-run of several values files,
 * or a test suite, checks many repositories against the same platform.
 */
export function loadPlatform(dir: string, tool?: KustomizeTool): Promise<PlatformFiles> {
  const root = path.resolve(dir);
  const hash = crypto.createHash('sha256').update(`${root}\0${tool?.file ?? ''}`);
  for (const f of listFiles(root)) hash.update(`\0${f}\0`).update(fs.readFileSync(path.join(root, f)));
  const key = hash.digest('hex');
  let loaded = cache.get(key);
  if (!loaded) {
    if (cache.size >= 8) cache.clear();
    loaded = load(root, tool);
    cache.set(key, loaded);
  }
  return loaded;
}

const cache = new Map<string, Promise<PlatformFiles>>();

async function load(root: string, tool?: KustomizeTool): Promise<PlatformFiles> {
  const display = (abs: string) => path.relative(path.dirname(root), abs).split(path.sep).join('/');
  const files = listFiles(root);

  const workflows: PlatformWorkflow[] = files
    .filter(f => /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(f))
    .map(f => {
      const abs = path.join(root, f);
      const text = fs.readFileSync(abs, 'utf8');
      const parsed = YAML.parseDocument(text, { uniqueKeys: true });
      return {
        file: display(abs),
        name: path.basename(f),
        text,
        ...(parsed.errors.length ? { parseError: parsed.errors[0].message.split('\n')[0] } : { doc: parsed.toJS() }),
      };
    });

  const argoDir = path.join(root, ARGOCD_DIR);
  const sources: Array<{ kind: string; name: string; file: string }> = [];
  for (const f of files.filter(x => x.startsWith(`${ARGOCD_DIR}/`) && /\.ya?ml$/.test(x))) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(root, f), 'utf8'))) {
      const value = doc.errors.length ? undefined : doc.toJS();
      if (isRecord(value) && typeof value.kind === 'string' && typeof value.metadata?.name === 'string')
        sources.push({ kind: value.kind, name: value.metadata.name, file: display(path.join(root, f)) });
    }
  }
  const fileOf = (obj: K8sObject) =>
    sources.find(s => s.kind === obj.kind && s.name === obj.metadata?.name)?.file ?? display(argoDir);

  let argocd: PlatformFiles['argocd'];
  if (!fs.existsSync(argoDir)) {
    argocd = { ok: false, error: `${display(argoDir)} does not exist` };
  } else if (tool && findKustomizationFile(argoDir)) {
    // What `kubectl apply -k platform/argocd` applies.
    try {
      const out = await run(tool.file, tool.args(argoDir), 60_000);
      const objects = YAML.parseAllDocuments(out)
        .map(d => d.toJS())
        .filter(isRecord) as K8sObject[];
      argocd = { ok: true, objects, fileOf, builtWith: tool.label };
    } catch (err) {
      argocd = { ok: false, error: `${tool.label} ${display(argoDir)} failed: ${errorMessage(err)}` };
    }
  } else {
    const objects = files
      .filter(f => f.startsWith(`${ARGOCD_DIR}/`) && /\.ya?ml$/.test(f) && !/kustomization\.ya?ml$/.test(f))
      .flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(root, f), 'utf8')).map(d => d.toJS()))
      .filter(isRecord) as K8sObject[];
    argocd = { ok: true, objects, fileOf, builtWith: 'the files as written (no kustomize)' };
  }
  return { dir: root, display, argocd, workflows };
}
