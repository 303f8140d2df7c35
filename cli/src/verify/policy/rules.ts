/**
 * The golden path's deployment policy, one rule per concern. Each rule sees
 * the objects of one built overlay and returns findings; the runner applies
 * it to every overlay and merges what repeats. Rules are written against the
 * general shape of a stateful app (any name, port, label set, overlay set):
 * they relate objects to each other (selectors, ports, service names) rather
 * than expecting the values of one example.
 */
import { LOAD_BALANCER_SERVICE_SUFFIX } from '@goldenpathidp/plugin-scaffolder-backend-module-stateful-app';
import { K8sObject, Finding } from '../types';
import { asArray, isRecord } from '../util';
import { objectLabel } from '../overlays';
import { appShardingEnv } from './shardingEnv';
import {
  CLUSTER_SCOPED,
  containerPorts,
  containers,
  finding,
  isHeadless,
  kindIs,
  labelSelectorMatches,
  mapSelects,
  nameOf,
  namespaceOf,
  podTemplates,
  sameNamespace,
  parseQuantity,
  portMatches,
  stringMap,
} from './k8s';
import { HARDENING_RULES } from './hardening';

export { parseQuantity } from './k8s';

export type RuleContext = {
  /** Overlay name (folder under deploy/overlays). */
  env: string;
  /** Whether this overlay must serve HTTPS (see TLS_EXEMPT_OVERLAY). */
  tlsRequired: boolean;
  /** Repository file an object came from. */
  fileOf(obj: K8sObject): string;
  /** The object as written in its file, before kustomize. */
  sourceDoc(obj: K8sObject): any | undefined;
  /** Label keys the overlay's kustomization chain adds. */
  kustomizeLabelKeys: Set<string>;
  /** The nearest kustomization that sets `namespace:` for this overlay, if any. */
  namespaceSource?: string;
  /** The kustomization `images:` entry that set a built image, if any. */
  imageSource(image: string): { file: string; field: string } | undefined;
};

export type Rule = {
  name: string;
  title: string;
  why: string;
  check(objects: K8sObject[], ctx: RuleContext): Finding[];
};

/**
 * Overlays that may serve plain HTTP: development and test environments only.
 * Any other overlay name (staging, prod, uat, eu-prod…) must have TLS: an
 * unknown environment is treated as one that real users reach.
 */
export const TLS_EXEMPT_OVERLAY = /^(dev|develop|development|test|testing|local|sandbox)([-_.].*)?$/;

const describeLabels = (labels: Record<string, string>) =>
  Object.keys(labels).length
    ? Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : '(none)';
const PROBES = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const;

const probesOnAppPort: Rule = {
  name: 'probes-on-app-port',
  title: 'startup, readiness and liveness probes target the app container port',
  why: 'A probe on a port nothing listens on restarts healthy pods forever or sends traffic to pods that cannot serve it.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containers(t, { includeInit: false })) {
        const cname = String(c.container.name ?? '(unnamed)');
        const ports = containerPorts(c.container);
        // The app reads its listening port from PORT: when it is a literal, the probed port must be that one.
        const portEnv = asArray(c.container.env).find(e => e?.name === 'PORT' && typeof e?.value === 'string');
        const appPort = portEnv && /^\d+$/.test(portEnv.value) ? Number(portEnv.value) : undefined;
        if (appPort !== undefined && !ports.some(p => p.number === appPort)) {
          out.push(
            finding(
              ctx,
              t.owner,
              `${c.path}.ports`,
              `container ${cname} listens on PORT=${appPort} but declares no containerPort ${appPort}`,
            ),
          );
        }
        for (const probe of PROBES) {
          const p = c.container[probe];
          if (!isRecord(p)) {
            out.push(finding(ctx, t.owner, `${c.path}.${probe}`, `container ${cname} has no ${probe}`));
            continue;
          }
          const handler = (['httpGet', 'tcpSocket', 'grpc'] as const).find(h => isRecord(p[h]));
          if (!handler) {
            out.push(
              finding(
                ctx,
                t.owner,
                `${c.path}.${probe}`,
                `${probe} of container ${cname} does not target a port (exec or no handler)`,
              ),
            );
            continue;
          }
          const ref = p[handler].port;
          const field = `${c.path}.${probe}.${handler}.port`;
          if (!portMatches(ref, ports)) {
            out.push(
              finding(
                ctx,
                t.owner,
                field,
                `${probe} targets port ${JSON.stringify(ref)}, which is not a port of container ${cname} (ports: ${ports.map(x => `${x.name ?? '-'}/${x.number ?? '-'}`).join(', ') || 'none'})`,
              ),
            );
            continue;
          }
          const number = typeof ref === 'number' ? ref : ports.find(x => x.name === ref)?.number;
          if (appPort !== undefined && number !== appPort) {
            out.push(
              finding(ctx, t.owner, field, `${probe} targets port ${number}, but the app listens on PORT=${appPort}`),
            );
          }
        }
      }
    }
    return out;
  },
};

const resourcesSet: Rule = {
  name: 'resources-set',
  title: 'every container sets cpu and memory requests and limits',
  why: 'Without requests the scheduler packs pods blindly; without limits one pod can starve its node (and memory is not compressible).',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containers(t)) {
        const cname = String(c.container.name ?? '(unnamed)');
        const r = isRecord(c.container.resources) ? c.container.resources : {};
        for (const kind of ['requests', 'limits'] as const) {
          for (const res of ['cpu', 'memory'] as const) {
            const v = isRecord(r[kind]) ? r[kind][res] : undefined;
            if (v === undefined || v === null || v === '')
              out.push(
                finding(
                  ctx,
                  t.owner,
                  `${c.path}.resources.${kind}.${res}`,
                  `container ${cname} sets no ${res} ${kind.slice(0, -1)}`,
                ),
              );
            else if (parseQuantity(v) === undefined)
              out.push(
                finding(
                  ctx,
                  t.owner,
                  `${c.path}.resources.${kind}.${res}`,
                  `container ${cname}: ${JSON.stringify(v)} is not a Kubernetes quantity`,
                ),
              );
          }
        }
        for (const res of ['cpu', 'memory'] as const) {
          const req = parseQuantity(r.requests?.[res]);
          const lim = parseQuantity(r.limits?.[res]);
          if (req !== undefined && lim !== undefined && req > lim) {
            out.push(
              finding(
                ctx,
                t.owner,
                `${c.path}.resources.requests.${res}`,
                `container ${cname} requests more ${res} (${r.requests[res]}) than its limit (${r.limits[res]})`,
              ),
            );
          }
        }
      }
    }
    return out;
  },
};

const podSecurity: Rule = {
  name: 'pod-security',
  title: 'pods run as non-root, read-only, without privilege escalation, capabilities or an unconfined seccomp profile',
  why: 'The restricted Pod Security Standard: a compromised app cannot become root, write its image or call dangerous syscalls.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      const podPath = t.path ? `${t.path}.spec` : 'spec';
      const pod = isRecord(t.spec.securityContext) ? t.spec.securityContext : {};
      for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
        if (t.spec[host] === true) out.push(finding(ctx, t.owner, `${podPath}.${host}`, `${host} is true`));
      }
      for (const c of containers(t)) {
        const cname = String(c.container.name ?? '(unnamed)');
        const sc = isRecord(c.container.securityContext) ? c.container.securityContext : {};
        const at = (f: string) => `${c.path}.securityContext.${f}`;
        // Container settings override the pod's: the effective value is the container's when set.
        if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true)
          out.push(
            finding(
              ctx,
              t.owner,
              at('runAsNonRoot'),
              `container ${cname} is not forced to run as non-root (runAsNonRoot: true at pod or container level)`,
            ),
          );
        if ((sc.runAsUser ?? pod.runAsUser) === 0)
          out.push(finding(ctx, t.owner, at('runAsUser'), `container ${cname} runs as user 0 (root)`));
        if (sc.readOnlyRootFilesystem !== true)
          out.push(
            finding(
              ctx,
              t.owner,
              at('readOnlyRootFilesystem'),
              `container ${cname} does not set readOnlyRootFilesystem: true`,
            ),
          );
        if (sc.allowPrivilegeEscalation !== false)
          out.push(
            finding(
              ctx,
              t.owner,
              at('allowPrivilegeEscalation'),
              `container ${cname} does not set allowPrivilegeEscalation: false`,
            ),
          );
        if (sc.privileged === true)
          out.push(finding(ctx, t.owner, at('privileged'), `container ${cname} is privileged`));
        const drop = asArray(sc.capabilities?.drop).map(String);
        if (!drop.includes('ALL'))
          out.push(finding(ctx, t.owner, at('capabilities.drop'), `container ${cname} does not drop ALL capabilities`));
        const add = asArray(sc.capabilities?.add)
          .map(String)
          .filter(c => c !== 'NET_BIND_SERVICE');
        if (add.length)
          out.push(
            finding(ctx, t.owner, at('capabilities.add'), `container ${cname} adds capabilities ${add.join(', ')}`),
          );
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
          out.push(
            finding(
              ctx,
              t.owner,
              sc.seccompProfile ? at('seccompProfile.type') : `${podPath}.securityContext.seccompProfile.type`,
              `container ${cname} has seccomp profile ${JSON.stringify(seccomp ?? 'unset')} (RuntimeDefault required, at pod or container level)`,
            ),
          );
        }
      }
    }
    return out;
  },
};

/** Splits an image reference into its tag and digest (a port in the registry host is not a tag). */
export function imageParts(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : undefined;
  return { tag, digest };
}

const noLatestTag: Rule = {
  name: 'no-latest-tag',
  title: 'every image has an explicit tag other than latest, or a digest',
  why: 'An untagged or :latest image changes under a running StatefulSet: pods of one release run different code, and a rollback has nothing to go back to.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of containers(t)) {
        const image = c.container.image;
        const field = `${c.path}.image`;
        if (typeof image !== 'string' || !image) {
          out.push(finding(ctx, t.owner, field, `container ${String(c.container.name ?? '(unnamed)')} has no image`));
          continue;
        }
        const { tag, digest } = imageParts(image);
        let problem: string | undefined;
        if (digest !== undefined) {
          if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/.test(digest)) problem = 'has a malformed digest';
        } else if (!tag) {
          problem = 'has no tag (it means :latest)';
        } else if (tag.toLowerCase() === 'latest') {
          problem = 'uses the :latest tag';
        }
        if (!problem) continue;
        const cname = String(c.container.name ?? '(unnamed)');
        // When a kustomization's images: entry set the image, that is the line to fix.
        const setBy = ctx.imageSource(image);
        out.push(
          setBy
            ? {
                file: setBy.file,
                field: setBy.field,
                message: `${objectLabel(t.owner)}: container ${cname} image ${image} ${problem} (set here for ${field})`,
              }
            : finding(ctx, t.owner, field, `container ${cname} image ${image} ${problem}`),
        );
      }
    }
    return out;
  },
};

const pdbPresent: Rule = {
  name: 'pdb-present',
  title: "a PodDisruptionBudget selects each StatefulSet's pods",
  why: 'Without a PDB a node drain can evict every replica (and detach every volume) at once.',
  check(objects, ctx) {
    const pdbs = objects.filter(o => kindIs(o, 'PodDisruptionBudget'));
    return podTemplates(objects)
      .filter(t => kindIs(t.owner, 'StatefulSet'))
      .filter(t => !pdbs.some(p => sameNamespace(p, t.owner) && labelSelectorMatches(p.spec?.selector, t.labels)))
      .map(t =>
        finding(
          ctx,
          t.owner,
          `${t.path}.metadata.labels`,
          `no PodDisruptionBudget in namespace ${JSON.stringify(namespaceOf(t.owner))} selects its pods (labels ${describeLabels(t.labels)}; PDBs here: ${pdbs.map(nameOf).join(', ') || 'none'})`,
        ),
      );
  },
};

const selectorMatchesTemplate: Rule = {
  name: 'selector-matches-template',
  title: 'each workload selector is satisfied by its pod template labels',
  why: 'The API server rejects a StatefulSet whose selector does not match its template; and the selector is immutable, so it has to be right the first time.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects)) {
      if (!['StatefulSet', 'Deployment', 'DaemonSet', 'ReplicaSet'].includes(String(t.owner.kind))) continue;
      const selector = t.owner.spec?.selector;
      if (!isRecord(selector)) out.push(finding(ctx, t.owner, 'spec.selector', 'has no selector'));
      else if (!labelSelectorMatches(selector, t.labels)) {
        out.push(
          finding(
            ctx,
            t.owner,
            'spec.selector',
            `selector ${describeLabels(stringMap(selector.matchLabels))}${asArray(selector.matchExpressions).length ? ' (+ matchExpressions)' : ''} does not match the pod template labels ${describeLabels(t.labels)}`,
          ),
        );
      }
    }
    return out;
  },
};

const headlessServiceMatches: Rule = {
  name: 'headless-service-matches',
  title: "each StatefulSet's serviceName is a headless Service that selects its pods",
  why: 'Pods get their stable DNS names (<pod>.<serviceName>) only from a headless Service of that name that selects them.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const t of podTemplates(objects).filter(x => kindIs(x.owner, 'StatefulSet'))) {
      const serviceName = t.owner.spec?.serviceName;
      if (typeof serviceName !== 'string' || !serviceName) {
        out.push(finding(ctx, t.owner, 'spec.serviceName', 'has no serviceName'));
        continue;
      }
      const svc = objects.find(o => kindIs(o, 'Service') && nameOf(o) === serviceName && sameNamespace(o, t.owner));
      if (!svc) {
        out.push(
          finding(
            ctx,
            t.owner,
            'spec.serviceName',
            `serviceName ${JSON.stringify(serviceName)} names no Service in namespace ${JSON.stringify(namespaceOf(t.owner))}`,
          ),
        );
        continue;
      }
      if (!isHeadless(svc))
        out.push(
          finding(
            ctx,
            svc,
            'spec.clusterIP',
            `is the serviceName of ${objectLabel(t.owner)} but is not headless (clusterIP: None)`,
          ),
        );
      if (!mapSelects(svc.spec?.selector, t.labels)) {
        out.push(
          finding(
            ctx,
            svc,
            'spec.selector',
            `selector ${describeLabels(stringMap(svc.spec?.selector))} does not select the pods of ${objectLabel(t.owner)} (labels ${describeLabels(t.labels)})`,
          ),
        );
      }
    }
    return out;
  },
};

const servicesTargetPods: Rule = {
  name: 'services-target-pods',
  title: 'every Service selects pods and targets one of their container ports',
  why: 'A Service whose selector or targetPort matches nothing has no endpoints: traffic is dropped while every object looks healthy.',
  check(objects, ctx) {
    const out: Finding[] = [];
    const templates = podTemplates(objects);
    for (const svc of objects.filter(o => kindIs(o, 'Service'))) {
      if (svc.spec?.type === 'ExternalName') continue;
      const selector = stringMap(svc.spec?.selector);
      if (Object.keys(selector).length === 0) {
        out.push(finding(ctx, svc, 'spec.selector', 'has no selector: it targets no pods'));
        continue;
      }
      const targets = templates.filter(t => sameNamespace(t.owner, svc) && mapSelects(selector, t.labels));
      if (targets.length === 0) {
        out.push(
          finding(
            ctx,
            svc,
            'spec.selector',
            `selector ${describeLabels(selector)} matches no pod template (${templates.map(t => `${objectLabel(t.owner)}: ${describeLabels(t.labels)}`).join('; ') || 'no workloads'})`,
          ),
        );
        continue;
      }
      const ports = targets.flatMap(t =>
        containers(t, { includeInit: false }).flatMap(c => containerPorts(c.container)),
      );
      asArray(svc.spec?.ports).forEach((p, i) => {
        const ref = p?.targetPort ?? p?.port;
        if (!portMatches(ref, ports)) {
          out.push(
            finding(
              ctx,
              svc,
              `spec.ports[${i}].targetPort`,
              `targetPort ${JSON.stringify(ref)} is not a container port of ${targets.map(t => objectLabel(t.owner)).join(', ')} (ports: ${ports.map(x => `${x.name ?? '-'}/${x.number ?? '-'}`).join(', ') || 'none'})`,
            ),
          );
        }
      });
    }
    return out;
  },
};

/** Every backend of an Ingress with its field path (the default backend and each rule path). */
function ingressBackends(ing: K8sObject): Array<{ backend: any; field: string }> {
  const out: Array<{ backend: any; field: string }> = [];
  if (isRecord(ing.spec?.defaultBackend)) out.push({ backend: ing.spec.defaultBackend, field: 'spec.defaultBackend' });
  asArray(ing.spec?.rules).forEach((r, i) =>
    asArray(r?.http?.paths).forEach((p, j) =>
      out.push({ backend: p?.backend, field: `spec.rules[${i}].http.paths[${j}].backend` }),
    ),
  );
  return out;
}

const ingressTargetsLb: Rule = {
  name: 'ingress-targets-lb',
  title: 'every Ingress backend is the existing <name>-lb Service, on a port it exposes (never the headless one)',
  why: 'The headless Service has no virtual IP to balance over, and a backend naming a missing Service or port answers 503.',
  check(objects, ctx) {
    const out: Finding[] = [];
    const statefulSets = objects.filter(o => kindIs(o, 'StatefulSet'));
    for (const ing of objects.filter(o => kindIs(o, 'Ingress'))) {
      const backends = ingressBackends(ing);
      if (backends.length === 0) out.push(finding(ctx, ing, 'spec.rules', 'routes to no backend'));
      // The entry point of a stateful app is "<StatefulSet name>-lb"; without a StatefulSet, any "*-lb" Service.
      const lbNames = statefulSets
        .filter(s => sameNamespace(s, ing))
        .map(s => `${nameOf(s)}${LOAD_BALANCER_SERVICE_SUFFIX}`);
      const headlessNames = new Set(statefulSets.map(s => s.spec?.serviceName).filter(n => typeof n === 'string'));
      for (const { backend, field } of backends) {
        const ref = backend?.service;
        if (!isRecord(ref)) {
          out.push(finding(ctx, ing, field, 'backend is not a Service'));
          continue;
        }
        const name = ref.name;
        const svc = objects.find(o => kindIs(o, 'Service') && nameOf(o) === name && sameNamespace(o, ing));
        if (!svc) {
          out.push(
            finding(
              ctx,
              ing,
              `${field}.service.name`,
              `Service ${JSON.stringify(name)} does not exist in namespace ${JSON.stringify(namespaceOf(ing))}`,
            ),
          );
          continue;
        }
        if (isHeadless(svc) || headlessNames.has(name)) {
          out.push(
            finding(
              ctx,
              ing,
              `${field}.service.name`,
              `routes to the headless Service ${name}${lbNames.length ? `; use ${lbNames.join(' or ')}` : ''}`,
            ),
          );
          continue;
        }
        if (lbNames.length ? !lbNames.includes(String(name)) : !String(name).endsWith(LOAD_BALANCER_SERVICE_SUFFIX)) {
          out.push(
            finding(
              ctx,
              ing,
              `${field}.service.name`,
              `routes to Service ${name}, not the app's entry point ${lbNames.join(' or ') || `<name>${LOAD_BALANCER_SERVICE_SUFFIX}`}`,
            ),
          );
        }
        const port = ref.port;
        const exposed = asArray(svc.spec?.ports);
        const ok =
          isRecord(port) &&
          ((port.number !== undefined && exposed.some(p => p?.port === port.number)) ||
            (port.name !== undefined && exposed.some(p => p?.name === port.name)));
        if (!ok) {
          out.push(
            finding(
              ctx,
              ing,
              `${field}.service.port`,
              `port ${JSON.stringify(port)} is not exposed by Service ${name} (ports: ${exposed.map(p => `${p?.name ?? '-'}/${p?.port}`).join(', ') || 'none'})`,
            ),
          );
        }
      }
    }
    return out;
  },
};

/** Does a TLS host entry (possibly a wildcard for one label) cover a rule host? */
function hostCovered(host: string, tlsHosts: string[]): boolean {
  const h = host.toLowerCase();
  return tlsHosts.some(t => {
    const th = t.toLowerCase();
    if (th === h) return true;
    return th.startsWith('*.') && h.endsWith(th.slice(1)) && !h.slice(0, h.length - th.length + 1).includes('.');
  });
}

const ingressTls: Rule = {
  name: 'ingress-tls',
  title: 'Ingresses outside dev/test have TLS for every host and a cert-manager cluster issuer',
  why: 'Staging and production serve real users over HTTPS: every host needs a certificate, and cert-manager only issues one when the Ingress names its ClusterIssuer.',
  check(objects, ctx) {
    if (!ctx.tlsRequired) return [];
    const out: Finding[] = [];
    for (const ing of objects.filter(o => kindIs(o, 'Ingress'))) {
      const tls = asArray(ing.spec?.tls);
      if (tls.length === 0) {
        out.push(finding(ctx, ing, 'spec.tls', `has no tls block (overlay ${ctx.env} must serve HTTPS)`));
      } else {
        const tlsHosts = tls.flatMap(t => asArray(t?.hosts)).filter((h): h is string => typeof h === 'string');
        asArray(ing.spec?.rules).forEach((r, i) => {
          if (typeof r?.host !== 'string' || !r.host)
            out.push(finding(ctx, ing, `spec.rules[${i}].host`, 'rule has no host, so no certificate can cover it'));
          else if (!hostCovered(r.host, tlsHosts))
            out.push(
              finding(
                ctx,
                ing,
                `spec.rules[${i}].host`,
                `host ${r.host} is not in any tls hosts (${tlsHosts.join(', ') || 'none'})`,
              ),
            );
        });
        tls.forEach((t, i) => {
          if (typeof t?.secretName !== 'string' || !t.secretName)
            out.push(
              finding(
                ctx,
                ing,
                `spec.tls[${i}].secretName`,
                'tls entry has no secretName for cert-manager to write the certificate to',
              ),
            );
        });
      }
      const issuer = ing.metadata?.annotations?.['cert-manager.io/cluster-issuer'];
      if (typeof issuer !== 'string' || !issuer.trim()) {
        out.push(
          finding(
            ctx,
            ing,
            'metadata.annotations["cert-manager.io/cluster-issuer"]',
            `has no cert-manager.io/cluster-issuer annotation (overlay ${ctx.env})`,
          ),
        );
      }
    }
    return out;
  },
};

const pvcRetention: Rule = {
  name: 'pvc-retention',
  title:
    'StatefulSets with volumes keep their PVCs when deleted (persistentVolumeClaimRetentionPolicy.whenDeleted: Retain)',
  why: 'Deleting or recreating a StatefulSet must not delete its data; the policy is written out so nobody relies on a cluster default.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const sts of objects.filter(
      o => kindIs(o, 'StatefulSet') && asArray(o.spec?.volumeClaimTemplates).length > 0,
    )) {
      const policy = sts.spec?.persistentVolumeClaimRetentionPolicy;
      if (!isRecord(policy))
        out.push(
          finding(
            ctx,
            sts,
            'spec.persistentVolumeClaimRetentionPolicy',
            'sets no persistentVolumeClaimRetentionPolicy',
          ),
        );
      else if (policy.whenDeleted !== 'Retain')
        out.push(
          finding(
            ctx,
            sts,
            'spec.persistentVolumeClaimRetentionPolicy.whenDeleted',
            `whenDeleted is ${JSON.stringify(policy.whenDeleted ?? 'unset')}, not Retain: deleting the StatefulSet deletes the data`,
          ),
        );
    }
    return out;
  },
};

const noDefaultNamespace: Rule = {
  name: 'no-default-namespace',
  title: 'every namespaced object has a namespace, and not "default"',
  why: 'Without a namespace an object lands wherever the deployer\'s context points; "default" mixes the app with everything nobody placed.',
  check(objects, ctx) {
    const out: Finding[] = [];
    const fromKustomization: string[] = [];
    for (const obj of objects) {
      if (CLUSTER_SCOPED.has(String(obj.kind))) continue;
      const ns = obj.metadata?.namespace;
      if (typeof ns !== 'string' || !ns) {
        out.push(
          finding(
            ctx,
            obj,
            'metadata.namespace',
            `has no namespace${ctx.namespaceSource ? '' : ' (and no kustomization sets namespace:)'}`,
          ),
        );
      } else if (ns === 'default') {
        // kustomize's namespace: wins over the files: that is the line to fix, once for all objects.
        if (ctx.namespaceSource && ctx.sourceDoc(obj)?.metadata?.namespace === undefined)
          fromKustomization.push(objectLabel(obj));
        else out.push(finding(ctx, obj, 'metadata.namespace', 'is in the "default" namespace'));
      }
    }
    if (fromKustomization.length && ctx.namespaceSource) {
      out.push({
        file: ctx.namespaceSource,
        field: 'namespace',
        message: `puts ${fromKustomization.join(', ')} in the "default" namespace`,
      });
    }
    return out;
  },
};

const vctNoExtraLabels: Rule = {
  name: 'vct-no-extra-labels',
  title: 'volumeClaimTemplates carry no labels added by kustomize',
  why: 'volumeClaimTemplates are immutable: a label kustomize adds there (commonLabels, labels with includeTemplates) makes the next label change un-appliable without deleting the StatefulSet.',
  check(objects, ctx) {
    const out: Finding[] = [];
    for (const sts of objects.filter(o => kindIs(o, 'StatefulSet'))) {
      const source = ctx.sourceDoc(sts);
      const sourceVcts = asArray(source?.spec?.volumeClaimTemplates);
      asArray(sts.spec?.volumeClaimTemplates).forEach((vct, i) => {
        const built = stringMap(vct?.metadata?.labels);
        const written = source
          ? stringMap(sourceVcts.find(v => v?.metadata?.name === vct?.metadata?.name)?.metadata?.labels)
          : undefined;
        for (const [key, value] of Object.entries(built)) {
          // Compared with the file when the source is known; otherwise any label key the kustomizations add.
          const added = written ? written[key] !== value : ctx.kustomizeLabelKeys.has(key);
          if (added)
            out.push(
              finding(
                ctx,
                sts,
                `spec.volumeClaimTemplates[${i}].metadata.labels[${JSON.stringify(key)}]`,
                `volumeClaimTemplate ${String(vct?.metadata?.name ?? i)} gets label ${key}=${value} from kustomize`,
              ),
            );
        }
      });
    }
    return out;
  },
};

/** The policy rules, in report order. */
export const POLICY_RULES: Rule[] = [
  probesOnAppPort,
  resourcesSet,
  podSecurity,
  noLatestTag,
  pdbPresent,
  selectorMatchesTemplate,
  headlessServiceMatches,
  servicesTargetPods,
  ingressTargetsLb,
  ingressTls,
  pvcRetention,
  noDefaultNamespace,
  vctNoExtraLabels,
  appShardingEnv,
  ...HARDENING_RULES,
];
