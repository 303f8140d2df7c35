/**
 * Helpers the policy rules share: where pod templates live in each workload
 * kind, label-selector semantics, container lookup. Every helper tolerates
 * missing or mistyped fields (the schema check reports those), so a rule never
 * crashes on a broken object.
 */
import { objectLabel } from '../overlays';
import { Finding, K8sObject } from '../types';
import { asArray, isRecord } from '../util';

export type PodTemplate = {
  owner: K8sObject;
  /** Field path of the template inside the owner ('spec.template', '' for a bare Pod). */
  path: string;
  labels: Record<string, string>;
  spec: Record<string, any>;
};

export type ContainerRef = { container: Record<string, any>; path: string; init: boolean };

const TEMPLATE_PATHS: Record<string, string[]> = {
  StatefulSet: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export const kindIs = (obj: K8sObject, kind: string) => obj.kind === kind;
export const nameOf = (obj: K8sObject): string => (typeof obj.metadata?.name === 'string' ? obj.metadata.name : '');
export const namespaceOf = (obj: K8sObject): string =>
  typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : '';
export const sameNamespace = (a: K8sObject, b: K8sObject) => namespaceOf(a) === namespaceOf(b);
export const isHeadless = (svc: K8sObject) => svc.spec?.clusterIP === 'None';

/** A finding on an object, located in the file it came from and prefixed with its kind and name. */
export const finding = (
  ctx: { fileOf(obj: K8sObject): string },
  obj: K8sObject,
  field: string | undefined,
  message: string,
): Finding => ({
  file: ctx.fileOf(obj),
  ...(field ? { field } : {}),
  message: `${objectLabel(obj)}: ${message}`,
});

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const owner of objects) {
    if (owner.kind === 'Pod') {
      out.push({
        owner,
        path: '',
        labels: stringMap(owner.metadata?.labels),
        spec: isRecord(owner.spec) ? owner.spec : {},
      });
      continue;
    }
    const segs = typeof owner.kind === 'string' ? TEMPLATE_PATHS[owner.kind] : undefined;
    if (!segs) continue;
    const template = segs.reduce<any>((v, s) => (isRecord(v) ? v[s] : undefined), owner);
    out.push({
      owner,
      path: segs.join('.'),
      labels: stringMap(template?.metadata?.labels),
      spec: isRecord(template?.spec) ? template.spec : {},
    });
  }
  return out;
}

export function containers(t: PodTemplate, { includeInit = true } = {}): ContainerRef[] {
  const prefix = t.path ? `${t.path}.spec` : 'spec';
  const list = (key: string, init: boolean) =>
    asArray(t.spec[key]).map((c, i) => ({ container: isRecord(c) ? c : {}, path: `${prefix}.${key}[${i}]`, init }));
  return [...list('containers', false), ...(includeInit ? list('initContainers', true) : [])];
}

export function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** Equality-based selector (a Service's spec.selector): empty selects nothing here, on purpose. */
export function mapSelects(selector: unknown, labels: Record<string, string>): boolean {
  const sel = stringMap(selector);
  const entries = Object.entries(sel);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/**
 * A metav1.LabelSelector (matchLabels + matchExpressions) against labels.
 * An empty selector would select every pod in the namespace; for our checks
 * that is never what a golden-path object means, so it counts as no match.
 */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isRecord(selector)) return false;
  const matchLabels = stringMap(selector.matchLabels);
  const expressions = asArray(selector.matchExpressions).filter(isRecord);
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return expressions.every(e => {
    const key = String(e.key);
    const values = asArray(e.values).map(String);
    switch (e.operator) {
      case 'In':
        return key in labels && values.includes(labels[key]);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        return false;
    }
  });
}

export type ContainerPort = { name?: string; number?: number };

export function containerPorts(c: Record<string, any>): ContainerPort[] {
  return asArray(c.ports)
    .filter(isRecord)
    .map(p => ({
      name: typeof p.name === 'string' ? p.name : undefined,
      number: typeof p.containerPort === 'number' ? p.containerPort : undefined,
    }));
}

/** Does a port reference (number or name, as in targetPort or a probe) name one of these ports? */
export function portMatches(ref: unknown, ports: ContainerPort[]): boolean {
  if (typeof ref === 'number') return ports.some(p => p.number === ref);
  if (typeof ref === 'string') return ports.some(p => p.name === ref);
  return false;
}

/** Kinds that live outside namespaces (the built-in ones, plus common cluster-scoped add-ons). */
export const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'VolumeAttachment',
  'CSIDriver',
  'CSINode',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'FlowSchema',
  'IngressClass',
  'RuntimeClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'CertificateSigningRequest',
  'ComponentStatus',
  'ClusterIssuer',
]);

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** A Kubernetes quantity ("128Mi", "0.5", "100m", "1e3") as a number of base units; undefined when it is not one. */
export function parseQuantity(value: unknown): number | undefined {
  const m = QUANTITY.exec(String(value ?? '').trim());
  if (!m || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  return Number(m[1]) * 10 ** Number(m[2] ?? 0) * SUFFIX[m[3] ?? ''];
}
