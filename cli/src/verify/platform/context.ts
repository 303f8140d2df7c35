import { OverlayBuild, OVERLAYS_DIR } from '../kustomize';
import { CheckOutcome, Finding } from '../types';
import { isRecord } from '../util';
import { ParsedYaml } from '../yamlChecks';
import { WORKFLOWS_DIR } from '../workflow';
import { PlatformFiles } from './load';

/** What the checks that relate a generated repository to the platform side get to see. */
export type RepoView = {
  root: string;
  files: string[];
  parsed: Map<string, ParsedYaml>;
  builds?: OverlayBuild[];
  noBuilds: string;
  platform?: PlatformFiles;
  /** Why there is no platform folder to compare with. */
  platformMissing?: string;
  /** Topics the template gives the repository (its create step), when known. */
  repoTopics?: string[];
  /** The branch delivery and Argo CD track. */
  defaultBranch: string;
};

/** The overlay folders (names under deploy/overlays) of the generated repository, built or not. */
export function overlayNames(view: RepoView): string[] {
  const names = new Set<string>();
  for (const f of view.files) {
    const m = new RegExp(`^${OVERLAYS_DIR}/([^/]+)/kustomization\\.ya?ml$`).exec(f);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

export type RepoWorkflow = { file: string; doc: Record<string, any> };

/** The generated repository's workflows that parsed. */
export function repoWorkflows(view: RepoView): RepoWorkflow[] {
  return [...view.parsed.values()]
    .filter(p => p.ok && p.file.startsWith(`${WORKFLOWS_DIR}/`) && isRecord(p.docs[0]))
    .map(p => ({ file: p.file, doc: p.docs[0] as Record<string, any> }));
}

export function firstDoc(view: RepoView, file: string): any {
  const p = view.parsed.get(file);
  return p?.ok ? p.docs[0] : undefined;
}

/** A check that needs the platform folder: skipped, with the reason, when there is none. */
export function needPlatform(view: RepoView): CheckOutcome | undefined {
  if (!view.platform)
    return { status: 'skip', findings: [], reason: view.platformMissing ?? 'no platform folder to compare with' };
  return undefined;
}

export const outcomeOf = (findings: Finding[]): CheckOutcome =>
  findings.length ? { status: 'fail', findings } : { status: 'pass', findings: [] };

/** The parsed catalog-info.yaml entity, or the outcome to report instead (a skip when yaml-parse reports the file). */
export function catalogEntity(view: RepoView): { entity: Record<string, any> } | { outcome: CheckOutcome } {
  const p = view.parsed.get('catalog-info.yaml');
  if (!p)
    return {
      outcome: { status: 'fail', findings: [{ file: 'catalog-info.yaml', message: 'catalog-info.yaml is missing' }] },
    };
  if (!p.ok || !isRecord(p.docs[0]))
    return { outcome: { status: 'skip', findings: [], reason: 'catalog-info.yaml does not parse (see yaml-parse)' } };
  return { entity: p.docs[0] as Record<string, any> };
}
