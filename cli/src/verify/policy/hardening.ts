/**
 * The rules kube-score, Polaris and Kubescape hold a workload to, beyond the
 * restricted pod security in rules.ts: network isolation, an identity of its
 * own, bounded local disk, and images pulled from the registry every time.
 * Like rules.ts they relate objects to each other (the NetworkPolicy to the
 * pods, the Ingress and the headless Service) rather than expect one example's
 * values.
 */
import { objectLabel } from '../overlays';
import { Finding, K8sObject } from '../types';
import { asArray, isRecord } from '../util';
import {
  ContainerPort,
  containerPorts,
  containers,
  finding,
  isHeadless,
  kindIs,
  labelSelectorMatches,
  mapSelects,
  nameOf,
  namespaceOf,
  parseQuantity,
  PodTemplate,
  podTemplates,
  sameNamespace,
  stringMap,
} from './k8s';
import type { Rule } from './rules';

const describePort = (p: ContainerPort) => `${p.name ?? '-'}/${p.number ?? '-'}`;

/** A Service port's targetPort (or port) resolved to the container port it reaches on these pods. */
function targetContainerPort(svcPort: any, pods: PodTemplate): ContainerPort | undefined {
  const ref = svcPort?.targetPort ?? svcPort?.port;
  const ports = containers(pods, { includeInit: false }).flatMap(c => containerPorts(c.container));
  if (typeof ref === 'number') return ports.find(p => p.number === ref);
  return typeof ref === 'string' ? ports.find(p => p.name === ref) : undefined;
}

/**
 * The traffic directions a NetworkPolicy governs. Without policyTypes the API
 * server defaults to Ingress, plus Egress when the policy has egress rules.
 */
function policyTypesOf(policy: K8sObject): string[] {
  const listed = asArray(policy.spec?.policyTypes).map(String);
  if (listed.length) return listed;
  return ['Ingress', ...(asArray(policy.spec?.egress).length ? ['Egress'] : [])];
}

/** Does a NetworkPolicy port entry (number, name or range; TCP by default) admit this container port over TCP? */
function policyPortAdmits(entry: any, port: ContainerPort): boolean {
  if ((entry?.protocol ?? 'TCP') !== 'TCP') return false;
  const p = entry?.port;
  if (p === undefined) return true; // every port of the protocol
  if (typeof p === 'string') return p === port.name;
  if (typeof p !== 'number' || port.number === undefined) return false;
  const end = typeof entry.endPort === 'number' ? entry.endPort : p;
  return port.number >= p && port.number <= end;
}

/** A rule's `ports` (absent: every port) admits the container port. */
const rulePortsAdmit = (rule: any, port: ContainerPort) =>
  !Array.isArray(rule?.ports) || rule.ports.some((e: any) => policyPortAdmits(e, port));

/**
 * Does a NetworkPolicy apply to these pods? Unlike the other selectors here,
 * an empty podSelector ({}) is meaningful: it selects every pod of the
 * namespace (the usual default deny, or an allow-all that opens the app).
 */
function policySelects(policy: K8sObject, pods: PodTemplate): boolean {
  const selector = policy.spec?.podSelector;
  if (!sameNamespace(policy, pods.owner) || !isRecord(selector)) return false;
  const empty =
    Object.keys(stringMap(selector.matchLabels)).length === 0 &&
    asArray(selector.matchExpressions).filter(isRecord).length === 0;
  return empty || labelSelectorMatches(selector, pods.labels);
}

/** A peer that is the pods themselves: a podSelector matching their labels, in their own namespace. */
const isPeerPods = (peer: any, pods: PodTemplate) =>
  isRecord(peer) && peer.namespaceSelector === undefined && labelSelectorMatches(peer.podSelector, pods.labels);

/** A peer that names other namespaces explicitly (namespaceSelector with labels). */
const namespacePeer = (peer: any): string | undefined => {
  if (!isRecord(peer) || !isRecord(peer.namespaceSelector)) return undefined;
  const labels = stringMap(peer.namespaceSelector.matchLabels);
  const expressions = asArray(peer.namespaceSelector.matchExpressions);
  if (Object.keys(labels).length === 0 && expressions.length === 0) return undefined; // every namespace
  return labels['kubernetes.io/metadata.name'] ?? JSON.stringify(peer.namespaceSelector);
};

function allowsDns(rule: any): boolean {
  const ports = asArray(rule?.ports);
  const udp = ports.some(e => (e?.protocol ?? 'TCP') === 'UDP' && (e?.port === 53 || e?.port === undefined));
  return (ports.length === 0 || udp) && (asArray(rule?.to).length === 0 || asArray(rule?.to).some(isRecord));
}

const networkPolicy: Rule = {
  name: 'network-policy',
  title:
    'a NetworkPolicy isolates the pods: ingress only from the Ingress controller namespace to the port the Ingress reaches and from peers on the headless port; egress only to DNS and peers',
  why: 'Without one every pod in the cluster can reach the app (which accepts unauthenticated PUT and DELETE) and the app can reach anything.',
  check(objects, ctx) {
    const out: Finding[] = [];
    const policies = objects.filter(o => kindIs(o, 'NetworkPolicy'));
    const services = objects.filter(o => kindIs(o, 'Service'));
    const ingresses = objects.filter(o => kindIs(o, 'Ingress'));
    for (const pods of podTemplates(objects).filter(t => kindIs(t.owner, 'StatefulSet'))) {
      const selecting = policies.filter(p => policySelects(p, pods));
      if (selecting.length === 0) {
        out.push(
          finding(
            ctx,
            pods.owner,
            `${pods.path}.metadata.labels`,
            `no NetworkPolicy in namespace ${JSON.stringify(namespaceOf(pods.owner))} selects its pods (NetworkPolicies here: ${policies.map(nameOf).join(', ') || 'none'})`,
          ),
        );
        continue;
      }
      const types = new Set(selecting.flatMap(policyTypesOf));
      for (const type of ['Ingress', 'Egress']) {
        if (!types.has(type))
          out.push(
            finding(
              ctx,
              selecting[0],
              'spec.policyTypes',
              `no NetworkPolicy selecting ${objectLabel(pods.owner)} has policyType ${type}, so all ${type.toLowerCase()} traffic stays open`,
            ),
          );
      }
      const ingressRules = selecting.flatMap(p => asArray(p.spec?.ingress).map((rule, i) => ({ p, rule, i })));
      const egressRules = selecting.flatMap(p => asArray(p.spec?.egress).map((rule, i) => ({ p, rule, i })));
      for (const { p, rule, i } of ingressRules) {
        if (!Array.isArray(rule?.from) || rule.from.length === 0)
          out.push(
            finding(
              ctx,
              p,
              `spec.ingress[${i}].from`,
              'an ingress rule without "from" admits every pod and address: name the sources',
            ),
          );
      }

      // The Ingress path: Ingress -> Service -> targetPort on these pods.
      for (const ing of ingresses.filter(x => sameNamespace(x, pods.owner))) {
        asArray(ing.spec?.rules).forEach((r, ri) =>
          asArray(r?.http?.paths).forEach((path, pi) => {
            const backend = path?.backend?.service;
            const svc = services.find(s => nameOf(s) === backend?.name && sameNamespace(s, ing));
            if (!svc || !mapSelects(svc.spec?.selector, pods.labels)) return; // ingress-targets-lb reports these
            const svcPort = asArray(svc.spec?.ports).find(
              sp =>
                (backend?.port?.name !== undefined && sp?.name === backend.port.name) ||
                (backend?.port?.number !== undefined && sp?.port === backend.port.number),
            );
            const port = targetContainerPort(svcPort, pods);
            if (!port) return; // services-target-pods reports this
            const admitted = ingressRules.some(
              ({ rule }) => rulePortsAdmit(rule, port) && asArray(rule?.from).some(peer => namespacePeer(peer)),
            );
            if (!admitted)
              out.push(
                finding(
                  ctx,
                  selecting[0],
                  'spec.ingress',
                  `no ingress rule admits the Ingress controller's namespace to port ${describePort(port)}, which ${objectLabel(ing)} reaches through Service ${nameOf(svc)} (rules[${ri}].http.paths[${pi}]): the app is unreachable through its Ingress`,
                ),
              );
          }),
        );
      }

      // Peers on the port the headless Service publishes.
      const headless = services.find(
        s => nameOf(s) === pods.owner.spec?.serviceName && sameNamespace(s, pods.owner) && isHeadless(s),
      );
      for (const svcPort of asArray(headless?.spec?.ports)) {
        const port = targetContainerPort(svcPort, pods);
        if (!port) continue;
        if (
          !ingressRules.some(
            ({ rule }) => rulePortsAdmit(rule, port) && asArray(rule?.from).some(peer => isPeerPods(peer, pods)),
          )
        )
          out.push(
            finding(
              ctx,
              selecting[0],
              'spec.ingress',
              `no ingress rule admits the peer pods (podSelector matching ${objectLabel(pods.owner)}) on the headless port ${describePort(port)}`,
            ),
          );
        if (
          !egressRules.some(
            ({ rule }) => rulePortsAdmit(rule, port) && asArray(rule?.to).some(peer => isPeerPods(peer, pods)),
          )
        )
          out.push(
            finding(
              ctx,
              selecting[0],
              'spec.egress',
              `no egress rule lets the pods reach their peers on the headless port ${describePort(port)}`,
            ),
          );
      }
      if (types.has('Egress') && !egressRules.some(({ rule }) => allowsDns(rule)))
        out.push(
          finding(
            ctx,
            selecting[0],
            'spec.egress',
            'no egress rule allows DNS (port 53/UDP): the pods cannot resolve their peers or anything else',
          ),
        );
    }
    return out;
  },
};

const dedicatedServiceAccount: Rule = {
  name: 'dedicated-service-account',
  title: 'pods run as their own ServiceAccount (not "default"), which does not mount an API token',
  why: 'The default ServiceAccount is shared with everything in the namespace: a role bound to it, or its mounted token, reaches every pod there.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      const specPath = t.path ? `${t.path}.spec` : 'spec';
      const name = t.spec.serviceAccountName ?? t.spec.serviceAccount;
      if (typeof name !== 'string' || !name || name === 'default') {
        out.push(
          finding(
            ctx,
            t.owner,
            `${specPath}.serviceAccountName`,
            `runs as the namespace's default ServiceAccount${name ? '' : ' (no serviceAccountName)'}: give the pods their own`,
          ),
        );
        continue;
      }
      const account = objects.find(o => kindIs(o, 'ServiceAccount') && nameOf(o) === name && sameNamespace(o, t.owner));
      if (!account) {
        out.push(
          finding(
            ctx,
            t.owner,
            `${specPath}.serviceAccountName`,
            `ServiceAccount ${JSON.stringify(name)} is not part of this overlay (namespace ${JSON.stringify(namespaceOf(t.owner))}): the pods would not start`,
          ),
        );
        continue;
      }
      const shared = podTemplates(objects).filter(
        o =>
          o.owner !== t.owner &&
          sameNamespace(o.owner, t.owner) &&
          (o.spec.serviceAccountName ?? o.spec.serviceAccount) === name,
      );
      if (shared.length)
        out.push(
          finding(
            ctx,
            t.owner,
            `${specPath}.serviceAccountName`,
            `shares ServiceAccount ${name} with ${shared.map(o => objectLabel(o.owner)).join(', ')}`,
          ),
        );
      if (account.automountServiceAccountToken !== false)
        out.push(
          finding(
            ctx,
            account,
            'automountServiceAccountToken',
            'does not set automountServiceAccountToken: false: every pod using it gets an API token',
          ),
        );
      if (t.spec.automountServiceAccountToken === true)
        out.push(
          finding(
            ctx,
            t.owner,
            `${specPath}.automountServiceAccountToken`,
            'mounts the API token (automountServiceAccountToken: true)',
          ),
        );
    }
    return out;
  },
};

const ephemeralStorageSet: Rule = {
  name: 'ephemeral-storage-set',
  title: 'every container sets ephemeral-storage requests and limits, and the limits cover the emptyDir volumes',
  why: 'Logs, the writable layer and emptyDir volumes use the node disk: without limits one pod can fill it and get every pod on the node evicted.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      let limitSum = 0;
      let allLimited = true;
      for (const c of containers(t)) {
        const cname = String(c.container.name ?? '(unnamed)');
        const r = isRecord(c.container.resources) ? c.container.resources : {};
        const values: Record<string, number | undefined> = {};
        for (const kind of ['requests', 'limits'] as const) {
          const raw = isRecord(r[kind]) ? r[kind]['ephemeral-storage'] : undefined;
          const field = `${c.path}.resources.${kind}["ephemeral-storage"]`;
          if (raw === undefined || raw === null || raw === '') {
            out.push(finding(ctx, t.owner, field, `container ${cname} sets no ephemeral-storage ${kind.slice(0, -1)}`));
          } else if ((values[kind] = parseQuantity(raw)) === undefined || values[kind]! <= 0) {
            out.push(
              finding(ctx, t.owner, field, `container ${cname}: ${JSON.stringify(raw)} is not a positive quantity`),
            );
            values[kind] = undefined;
          }
        }
        if (values.requests !== undefined && values.limits !== undefined && values.requests > values.limits)
          out.push(
            finding(
              ctx,
              t.owner,
              `${c.path}.resources.requests["ephemeral-storage"]`,
              `container ${cname} requests more ephemeral-storage (${r.requests['ephemeral-storage']}) than its limit (${r.limits['ephemeral-storage']})`,
            ),
          );
        if (!c.init) {
          if (values.limits === undefined) allLimited = false;
          else limitSum += values.limits;
        }
      }
      // emptyDir volumes count against the pod's total limit: a full emptyDir must not evict the pod.
      const specPath = t.path ? `${t.path}.spec` : 'spec';
      asArray(t.spec.volumes).forEach((v, i) => {
        if (!isRecord(v?.emptyDir) || v.emptyDir.medium === 'Memory') return;
        const size = parseQuantity(v.emptyDir.sizeLimit);
        if (size === undefined)
          out.push(
            finding(
              ctx,
              t.owner,
              `${specPath}.volumes[${i}].emptyDir.sizeLimit`,
              `emptyDir ${String(v.name)} has no sizeLimit`,
            ),
          );
        else if (allLimited && size > limitSum)
          out.push(
            finding(
              ctx,
              t.owner,
              `${specPath}.volumes[${i}].emptyDir.sizeLimit`,
              `emptyDir ${String(v.name)} may grow to ${v.emptyDir.sizeLimit}, more than the containers' ephemeral-storage limits together: the pod is evicted before the volume is full`,
            ),
          );
      });
    }
    return out;
  },
};

const imagePullPolicyAlways: Rule = {
  name: 'image-pull-policy-always',
  title: 'every container pulls its image on each start (imagePullPolicy: Always)',
  why: 'With IfNotPresent a node runs whatever it cached under that name, even an image the registry no longer serves or the pod may no longer pull.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containers(t)) {
        if (c.container.imagePullPolicy !== 'Always')
          out.push(
            finding(
              ctx,
              t.owner,
              `${c.path}.imagePullPolicy`,
              `container ${String(c.container.name ?? '(unnamed)')} has imagePullPolicy ${JSON.stringify(c.container.imagePullPolicy ?? 'unset')}, not Always`,
            ),
          );
      }
    }
    return out;
  },
};

/** The hardening rules, in report order (after the rules in rules.ts). */
export const HARDENING_RULES: Rule[] = [
  networkPolicy,
  dedicatedServiceAccount,
  ephemeralStorageSet,
  imagePullPolicyAlways,
];
