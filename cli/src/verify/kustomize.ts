import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { findKustomizationFile, indexSources, SourceIndex } from './sources';
import { CheckOutcome, Finding, K8sObject } from './types';
import { errorMessage, whichSync } from './util';

/** How to run kustomize: kubectl's built-in one (`kubectl kustomize DIR`) or the standalone binary (`kustomize build DIR`). */
export type KustomizeTool = { file: string; label: string; args(dir: string): string[] };

export type OverlayBuild = {
  env: string;
  /** Repository-relative overlay folder, e.g. deploy/overlays/prod. */
  dir: string;
  sources: SourceIndex;
} & ({ ok: true; objects: K8sObject[] } | { ok: false; error: string });

export const OVERLAYS_DIR = 'deploy/overlays';

/**
 * Resolves the kustomize to use. 'auto' prefers kubectl (the tool the
 * delivery pipeline and Argo CD's kustomize are closest to), then a
 * standalone kustomize on PATH. A path picks that binary; its name tells
 * which calling convention it has.
 */
export function resolveKustomize(option: 'auto' | string = 'auto'): { tool: KustomizeTool } | { missing: string } {
  const make = (file: string): KustomizeTool =>
    /kubectl[^/\\]*$/.test(path.basename(file))
      ? { file, label: `${path.basename(file)} kustomize`, args: dir => ['kustomize', dir] }
      : { file, label: `${path.basename(file)} build`, args: dir => ['build', dir] };
  if (option !== 'auto') {
    const found = whichSync(option);
    return found
      ? { tool: make(found) }
      : { missing: `the kustomize binary given (${option}) was not found or is not executable` };
  }
  const kubectl = whichSync('kubectl');
  if (kubectl) return { tool: make(kubectl) };
  const kustomize = whichSync('kustomize');
  if (kustomize) return { tool: make(kustomize) };
  return { missing: 'neither kubectl nor kustomize is installed (not found on PATH): the overlays could not be built' };
}

/** Overlay folders (names under deploy/overlays) that hold a kustomization. */
export function listOverlays(repoDir: string): string[] {
  const base = path.join(repoDir, OVERLAYS_DIR);
  if (!fs.existsSync(base)) return [];
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter(e => e.isDirectory() && findKustomizationFile(path.join(base, e.name)))
    .map(e => e.name)
    .sort();
}

/**
 * Builds every overlay, all at once (each build is a separate process, so
 * this is what keeps a four-overlay repository near the time of one build).
 * The objects are kept for the schema and policy checks.
 */
export async function buildOverlays(repoDir: string, tool: KustomizeTool, timeoutMs = 60_000): Promise<OverlayBuild[]> {
  return Promise.all(
    listOverlays(repoDir).map(async (env): Promise<OverlayBuild> => {
      const dir = `${OVERLAYS_DIR}/${env}`;
      const sources = indexSources(repoDir, dir);
      try {
        const stdout = await run(tool.file, tool.args(path.join(repoDir, dir)), timeoutMs);
        const objects: K8sObject[] = [];
        for (const doc of YAML.parseAllDocuments(stdout)) {
          if (doc.errors.length)
            throw new Error(`kustomize printed YAML that does not parse: ${doc.errors[0].message}`);
          const value = doc.toJS();
          if (value != null) objects.push(value);
        }
        return { env, dir, sources, ok: true, objects };
      } catch (err) {
        return { env, dir, sources, ok: false, error: errorMessage(err) };
      }
    }),
  );
}

export function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const detail = (stderr || err.message).trim().split('\n').slice(-5).join(' | ');
          reject(new Error((err as any).killed ? `timed out after ${timeoutMs} ms` : detail));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** kustomize-build: every overlay builds. Without overlays there is nothing to deploy, which is a failure. */
export function checkKustomizeBuild(builds: OverlayBuild[], tool: KustomizeTool): CheckOutcome {
  if (builds.length === 0) {
    return {
      status: 'fail',
      findings: [{ file: OVERLAYS_DIR, message: 'no overlay with a kustomization.yaml under deploy/overlays' }],
    };
  }
  const findings: Finding[] = [];
  for (const b of builds) {
    if (!b.ok)
      findings.push({ file: b.sources.kustomizationFile, message: `${tool.label} ${b.dir} failed: ${b.error}` });
    else if (b.objects.length === 0)
      findings.push({ file: b.sources.kustomizationFile, message: `${tool.label} ${b.dir} produced no objects` });
  }
  return findings.length ? { status: 'fail', findings } : { status: 'pass', findings: [] };
}
