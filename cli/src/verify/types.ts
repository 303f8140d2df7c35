/**
 * Shared shapes of the verifier. The public ones (Finding … VerifyConfig) are
 * re-exported from index.ts; the rest is the plumbing between checks.
 */

/** One problem, pinned to the repository file (relative, POSIX) and, when known, the field in it. */
export type Finding = { file: string; field?: string; message: string };

export type CheckStatus = 'pass' | 'fail' | 'skip' | 'off';

/**
 * The verdict of one named check. `why` says what the check protects against;
 * `reason` says why it was skipped or switched off (never empty for those).
 */
export type CheckResult = {
  name: string;
  title: string;
  status: CheckStatus;
  why?: string;
  reason?: string;
  /** What a passing check observed, when there is more than one way to pass. */
  note?: string;
  /** How long the check took, for the slow ones (the app runs). */
  durationMs?: number;
  findings: Finding[];
};

/** `appMs`: wall time of the app checks (single process and three processes run side by side). */
export type VerifyReport = {
  dir: string;
  ok: boolean;
  checks: CheckResult[];
  timings?: { totalMs: number; appMs?: number };
};

/** Rules can only be switched off, and only with a reason that ends up in the report. */
export type VerifyConfig = { rules?: Record<string, { enabled: false; reason: string }> };

/** A Kubernetes object as kustomize printed it: untyped on purpose, rules must not trust its shape. */
export type K8sObject = {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: any;
  spec?: any;
  [key: string]: any;
};

/** What a check returns before the runner adds its name, title and why. */
export type CheckOutcome = {
  status: 'pass' | 'fail' | 'skip';
  findings: Finding[];
  reason?: string;
  note?: string;
  durationMs?: number;
};

export function outcome(findings: Finding[], skippedReason?: string): CheckOutcome {
  if (findings.length > 0) return { status: 'fail', findings };
  if (skippedReason) return { status: 'skip', findings: [], reason: skippedReason };
  return { status: 'pass', findings: [] };
}
