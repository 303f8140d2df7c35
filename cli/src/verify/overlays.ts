import { OverlayBuild } from './kustomize';
import { CheckOutcome, Finding, K8sObject } from './types';

/**
 * Runs a per-overlay check on every overlay that built and folds the
 * results into one outcome. The same defect usually shows in every overlay
 * (it sits in the base): identical findings are merged and list the overlays.
 * If some overlays did not build, a clean result on the others is a `skip`
 * naming them, not a pass: they were not checked.
 */
export function acrossOverlays(
  builds: OverlayBuild[] | undefined,
  unavailableReason: string | undefined,
  check: (objects: K8sObject[], build: OverlayBuild & { ok: true }) => Finding[],
): CheckOutcome {
  if (!builds) return { status: 'skip', findings: [], reason: unavailableReason ?? 'no kustomize output' };
  const built = builds.filter((b): b is OverlayBuild & { ok: true } => b.ok && b.objects.length > 0);
  const missing = builds.filter(b => !built.includes(b as any)).map(b => b.env);
  if (built.length === 0) {
    return {
      status: 'skip',
      findings: [],
      reason: builds.length
        ? `no overlay built (see kustomize-build): ${missing.join(', ')}`
        : 'no overlay to check (see kustomize-build)',
    };
  }
  const merged = new Map<string, { finding: Finding; envs: string[] }>();
  for (const build of built) {
    for (const f of check(build.objects, build)) {
      const key = JSON.stringify([f.file, f.field, f.message]);
      const entry = merged.get(key);
      if (entry) entry.envs.push(build.env);
      else merged.set(key, { finding: f, envs: [build.env] });
    }
  }
  const findings = [...merged.values()].map(({ finding, envs }) => ({
    ...finding,
    message: `${finding.message} [overlay${envs.length > 1 ? 's' : ''} ${envs.join(', ')}]`,
  }));
  if (findings.length) return { status: 'fail', findings };
  if (missing.length)
    return {
      status: 'skip',
      findings: [],
      reason: `passed on ${built.map(b => b.env).join(', ')}, but ${missing.join(', ')} did not build (see kustomize-build)`,
    };
  return { status: 'pass', findings: [] };
}

/** "StatefulSet my-redis": how messages name an object. */
export function objectLabel(obj: K8sObject): string {
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '(unnamed)';
  return `${typeof obj.kind === 'string' ? obj.kind : '(no kind)'} ${name}`;
}
