import { CommonValidatorFunctions, KubernetesValidatorFunctions } from '@backstage/catalog-model';

/**
 * The longest name a StatefulSet can have: its pods carry the label
 * `controller-revision-hash: <name>-<10-char hash>`, and label values stop at 63.
 */
export const MAX_STATEFULSET_NAME_LENGTH = 52;

/** Suffix of the ClusterIP Service the Ingress targets (the headless one carries the bare name). */
export const LOAD_BALANCER_SERVICE_SUFFIX = '-lb';

/**
 * Returns the rules a component name breaks, empty when it is usable as the
 * StatefulSet, headless Service, `-lb` Service and catalog entity name.
 */
export function componentNameProblems(name: unknown): string[] {
  if (typeof name !== 'string' || name === '') {
    return ['is required'];
  }
  const problems: string[] = [];
  if (!/^[a-z]/.test(name)) {
    // Service names are DNS-1035 labels: a digit may not come first.
    problems.push('must start with a lowercase letter (Service names are DNS-1035 labels)');
  }
  if (!CommonValidatorFunctions.isValidDnsLabel(name)) {
    problems.push('must be a DNS label: lowercase letters, digits and hyphens, not ending with a hyphen');
  }
  if (name.length > MAX_STATEFULSET_NAME_LENGTH) {
    problems.push(
      `must be at most ${MAX_STATEFULSET_NAME_LENGTH} characters (is ${name.length}): the StatefulSet's controller-revision-hash label "<name>-<hash>" must fit in 63`,
    );
  }
  if (problems.length === 0 && readsAsNonString(name)) {
    problems.push(
      'must not be a word YAML reads as a boolean or null (y, n, yes, no, on, off, true, false, null): kubectl and kustomize would not read it as a name',
    );
  }
  const lbName = `${name}${LOAD_BALANCER_SERVICE_SUFFIX}`;
  if (problems.length === 0 && !KubernetesValidatorFunctions.isValidObjectName(lbName)) {
    problems.push(`must leave room for the Service "${lbName}"`);
  }
  return problems;
}

/**
 * The lowercase words YAML 1.1 readers (go-yaml in kubectl, kustomize, Argo CD)
 * take as booleans or null; true/false/null are also YAML 1.2's. The name is
 * written unquoted into manifests, so such a name would not stay a string.
 */
const YAML_KEYWORD_NAMES = /^(y|n|yes|no|on|off|true|false|null)$/;

function readsAsNonString(name: string): boolean {
  return YAML_KEYWORD_NAMES.test(name);
}
