import { POLICY_RULES } from './policy/rules';

/** Name, title and why of every check, in report order. Config and report both read this list. */
export type CheckInfo = { name: string; title: string; why: string };

const before: CheckInfo[] = [
  {
    name: 'yaml-parse',
    title: 'every YAML file parses, with no duplicate keys',
    why: 'A duplicate key is silently resolved differently by different YAML parsers; a file that does not parse breaks kustomize, the catalog or GitHub.',
  },
  {
    name: 'no-structure-from-text',
    title: 'no user text became YAML structure (expected documents, keys and types; no anchors, aliases or tags)',
    why: 'Template values are pasted into YAML: a value that escapes its quoting can add keys, documents or references the template never wrote.',
  },
  {
    name: 'kustomize-build',
    title: 'every overlay under deploy/overlays builds with kustomize',
    why: 'What gets deployed is the kustomize output; an overlay that does not build never deploys.',
  },
  {
    name: 'kubernetes-schema',
    title: 'every built object matches the Kubernetes schema (no unknown fields; valid ports, names and labels)',
    why: 'The API server rejects invalid objects and silently drops unknown fields, such as a misspelt replica:.',
  },
];

const after: CheckInfo[] = [
  {
    name: 'catalog-entity',
    title: 'catalog-info.yaml is a valid Backstage entity with a valid owner',
    why: 'The catalog refuses an invalid entity: the new repository would never appear in Backstage, or appear without an owner.',
  },
  {
    name: 'workflow-syntax',
    title: 'every GitHub Actions workflow is valid',
    why: 'GitHub does not run a workflow it cannot parse, and says so only after the push.',
  },
  {
    name: 'app-runs',
    title: 'the app starts, answers /healthz and /readyz, and keeps a value across a restart',
    why: 'The skeleton promises a working stateful service: one that boots, reports readiness and persists to DATA_DIR.',
  },
];

export const CHECKS: CheckInfo[] = [
  ...before,
  ...POLICY_RULES.map(({ name, title, why }) => ({ name, title, why })),
  ...after,
];
export const CHECK_NAMES: string[] = CHECKS.map(c => c.name);
