/**
 * Every policy rule, and every branch of a rule with several conditions, shown
 * a small broken manifest set it must report (with the file and the field a
 * person has to edit) and a near miss it must accept. The rules are called
 * directly with objects; verify.test.ts runs some of the same defects through
 * kustomize, where the file comes from the kustomization sources.
 */
import { Finding, K8sObject } from '../types';
import { imageParts, parseQuantity, POLICY_RULES, Rule, RuleContext, TLS_EXEMPT_OVERLAY } from './rules';

const NAME = 'cache';
const NS = 'team-a';
const LB = `${NAME}-lb`;
const CONTAINER = 'spec.template.spec.containers[0]';
const SC = `${CONTAINER}.securityContext`;
const POD_SC = 'spec.template.spec.securityContext';

/** Where each object "was written": one file per kind and name, so a finding on the wrong object shows. */
const fileOf = (obj: K8sObject) => `${String(obj.kind).toLowerCase()}-${String(obj.metadata?.name)}.yaml`;
const STS_FILE = `statefulset-${NAME}.yaml`;
const HEADLESS_FILE = `service-${NAME}.yaml`;
const LB_FILE = `service-${LB}.yaml`;
const INGRESS_FILE = `ingress-${NAME}.yaml`;

const podLabels = () => ({ 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': NAME });

/** The objects of one built overlay of a golden-path app, shaped as the skeleton renders them. */
function goodApp() {
  const statefulSet: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: NAME, namespace: NS, labels: podLabels() },
    spec: {
      serviceName: NAME,
      replicas: 2,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: podLabels() },
      template: {
        metadata: { labels: { ...podLabels(), 'app.kubernetes.io/component': 'server' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: NAME,
              image: `registry.example.com/${NAME}:0.1.0`,
              ports: [{ name: 'app', containerPort: 6379 }],
              env: [{ name: 'PORT', value: '6379' }],
              startupProbe: { httpGet: { path: '/healthz', port: 'app' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 'app' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'app' } },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3' } },
      ],
    },
  };
  const pdb: K8sObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: NAME, namespace: NS },
    spec: { maxUnavailable: 1, selector: { matchLabels: podLabels() } },
  };
  const headless: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAME, namespace: NS },
    spec: { clusterIP: 'None', ports: [{ name: 'app', port: 6379, targetPort: 'app' }], selector: podLabels() },
  };
  const lb: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: LB, namespace: NS },
    spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 'app' }], selector: podLabels() },
  };
  const ingress: K8sObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: NAME, namespace: NS, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } },
    spec: {
      ingressClassName: 'kong',
      tls: [{ hosts: [`${NAME}.example.com`], secretName: `${NAME}-tls` }],
      rules: [
        {
          host: `${NAME}.example.com`,
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: LB, port: { name: 'http' } } } }],
          },
        },
      ],
    },
  };
  return { statefulSet, pdb, headless, lb, ingress };
}
type App = ReturnType<typeof goodApp>;

const container = (app: App) => app.statefulSet.spec.template.spec.containers[0];
const podSpec = (app: App) => app.statefulSet.spec.template.spec;
const backend = (app: App) => app.ingress.spec.rules[0].http.paths[0].backend;

function context(overrides: Partial<RuleContext> = {}): RuleContext {
  return {
    env: 'prod',
    tlsRequired: true,
    fileOf,
    sourceDoc: () => undefined,
    kustomizeLabelKeys: new Set(),
    imageSource: () => undefined,
    ...overrides,
  };
}

function rule(name: string): Rule {
  const found = POLICY_RULES.find(r => r.name === name);
  if (!found) throw new Error(`no policy rule named ${name}`);
  return found;
}

/**
 * A broken variant of the good app. `edit` changes it in place, or returns
 * the objects to check (to drop or add objects).
 */
type Edit = (app: App) => void | K8sObject[];
type Broken = {
  branch: string;
  edit: Edit;
  ctx?: Partial<RuleContext>;
  /** Exactly the findings the rule must report, in order. */
  findings: Array<{ file: string; field: string; message: RegExp }>;
};
type NearMiss = { branch: string; edit: Edit; ctx?: Partial<RuleContext> };

function objectsOf(edit: Edit): K8sObject[] {
  const app = goodApp();
  return edit(app) ?? Object.values(app);
}

const run = (name: string, edit: Edit, ctx?: Partial<RuleContext>): Finding[] =>
  rule(name).check(objectsOf(edit), context(ctx));

const at = (file: string, field: string, message: RegExp) => ({ file, field, message });

/** The broken fixtures, per rule. */
const BROKEN: Record<string, Broken[]> = {
  'probes-on-app-port': [
    {
      branch: 'PORT names a port the container does not declare',
      edit: app => {
        container(app).env[0].value = '7000';
      },
      findings: [
        at(STS_FILE, `${CONTAINER}.ports`, /listens on PORT=7000 but declares no containerPort 7000/),
        // …and the probes, which target the declared port, now miss the app.
        at(STS_FILE, `${CONTAINER}.startupProbe.httpGet.port`, /targets port 6379, but the app listens on PORT=7000/),
        at(STS_FILE, `${CONTAINER}.readinessProbe.httpGet.port`, /targets port 6379, but the app listens on PORT=7000/),
        at(STS_FILE, `${CONTAINER}.livenessProbe.httpGet.port`, /targets port 6379, but the app listens on PORT=7000/),
      ],
    },
    {
      branch: 'a probe is missing',
      edit: app => {
        delete container(app).readinessProbe;
      },
      findings: [at(STS_FILE, `${CONTAINER}.readinessProbe`, /container cache has no readinessProbe/)],
    },
    {
      branch: 'a probe runs a command instead of targeting a port',
      edit: app => {
        container(app).livenessProbe = { exec: { command: ['true'] } };
      },
      findings: [at(STS_FILE, `${CONTAINER}.livenessProbe`, /livenessProbe of container cache does not target a port/)],
    },
    {
      branch: 'a probe names a port the container does not have',
      edit: app => {
        container(app).startupProbe.httpGet.port = 'http';
      },
      findings: [
        at(STS_FILE, `${CONTAINER}.startupProbe.httpGet.port`, /startupProbe targets port "http", which is not a port/),
      ],
    },
    {
      branch: 'a probe targets a port by number the container does not have',
      edit: app => {
        container(app).readinessProbe = { tcpSocket: { port: 6380 } };
      },
      findings: [
        at(
          STS_FILE,
          `${CONTAINER}.readinessProbe.tcpSocket.port`,
          /targets port 6380, which is not a port of container/,
        ),
      ],
    },
    {
      branch: 'a probe targets a container port other than the one the app listens on',
      edit: app => {
        container(app).ports.push({ name: 'metrics', containerPort: 9090 });
        container(app).livenessProbe.httpGet.port = 'metrics';
      },
      findings: [
        at(STS_FILE, `${CONTAINER}.livenessProbe.httpGet.port`, /targets port 9090, but the app listens on PORT=6379/),
      ],
    },
  ],
  'resources-set': [
    {
      branch: 'a request is missing',
      edit: app => {
        delete container(app).resources.requests.cpu;
      },
      findings: [at(STS_FILE, `${CONTAINER}.resources.requests.cpu`, /container cache sets no cpu request/)],
    },
    {
      branch: 'the limits are missing',
      edit: app => {
        delete container(app).resources.limits;
      },
      findings: [
        at(STS_FILE, `${CONTAINER}.resources.limits.cpu`, /sets no cpu limit/),
        at(STS_FILE, `${CONTAINER}.resources.limits.memory`, /sets no memory limit/),
      ],
    },
    {
      branch: 'an empty value',
      edit: app => {
        container(app).resources.limits.memory = '';
      },
      findings: [at(STS_FILE, `${CONTAINER}.resources.limits.memory`, /sets no memory limit/)],
    },
    {
      branch: 'a value that is not a Kubernetes quantity',
      edit: app => {
        container(app).resources.limits.cpu = '2 cores';
      },
      findings: [at(STS_FILE, `${CONTAINER}.resources.limits.cpu`, /"2 cores" is not a Kubernetes quantity/)],
    },
    {
      branch: 'a request above its limit',
      edit: app => {
        container(app).resources.requests.memory = '1Gi';
      },
      findings: [at(STS_FILE, `${CONTAINER}.resources.requests.memory`, /requests more memory \(1Gi\) than its limit/)],
    },
    {
      branch: 'an init container without resources',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init', image: 'busybox:1.36' }];
      },
      findings: ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'].map(f =>
        at(STS_FILE, `spec.template.spec.initContainers[0].resources.${f}`, /container init sets no/),
      ),
    },
  ],
  'pod-security': [
    {
      branch: 'runAsNonRoot set nowhere',
      edit: app => {
        delete podSpec(app).securityContext.runAsNonRoot;
        delete container(app).securityContext.runAsNonRoot;
      },
      findings: [at(STS_FILE, `${SC}.runAsNonRoot`, /container cache is not forced to run as non-root/)],
    },
    {
      branch: 'runAsNonRoot false in the container overrides the pod',
      edit: app => {
        container(app).securityContext.runAsNonRoot = false;
      },
      findings: [at(STS_FILE, `${SC}.runAsNonRoot`, /not forced to run as non-root/)],
    },
    {
      branch: 'runAsUser 0 at pod level',
      edit: app => {
        podSpec(app).securityContext.runAsUser = 0;
      },
      findings: [at(STS_FILE, `${SC}.runAsUser`, /runs as user 0 \(root\)/)],
    },
    {
      branch: 'runAsUser 0 in the container',
      edit: app => {
        container(app).securityContext.runAsUser = 0;
      },
      findings: [at(STS_FILE, `${SC}.runAsUser`, /runs as user 0 \(root\)/)],
    },
    {
      branch: 'a writable root filesystem',
      edit: app => {
        container(app).securityContext.readOnlyRootFilesystem = false;
      },
      findings: [at(STS_FILE, `${SC}.readOnlyRootFilesystem`, /does not set readOnlyRootFilesystem: true/)],
    },
    {
      branch: 'privilege escalation not switched off',
      edit: app => {
        delete container(app).securityContext.allowPrivilegeEscalation;
      },
      findings: [at(STS_FILE, `${SC}.allowPrivilegeEscalation`, /does not set allowPrivilegeEscalation: false/)],
    },
    {
      branch: 'a privileged container',
      edit: app => {
        container(app).securityContext.privileged = true;
      },
      findings: [at(STS_FILE, `${SC}.privileged`, /container cache is privileged/)],
    },
    {
      branch: 'capabilities not dropped',
      edit: app => {
        container(app).securityContext.capabilities.drop = ['NET_RAW'];
      },
      findings: [at(STS_FILE, `${SC}.capabilities.drop`, /does not drop ALL capabilities/)],
    },
    {
      branch: 'a capability added',
      edit: app => {
        container(app).securityContext.capabilities.add = ['NET_BIND_SERVICE', 'SYS_ADMIN'];
      },
      findings: [at(STS_FILE, `${SC}.capabilities.add`, /adds capabilities SYS_ADMIN$/)],
    },
    {
      branch: 'seccomp set nowhere: the pod-level field is the one to fix',
      edit: app => {
        delete podSpec(app).securityContext.seccompProfile;
        delete container(app).securityContext.seccompProfile;
      },
      findings: [at(STS_FILE, `${POD_SC}.seccompProfile.type`, /seccomp profile "unset" \(RuntimeDefault required/)],
    },
    {
      branch: 'seccomp Unconfined at pod level',
      edit: app => {
        podSpec(app).securityContext.seccompProfile.type = 'Unconfined';
        delete container(app).securityContext.seccompProfile;
      },
      findings: [at(STS_FILE, `${POD_SC}.seccompProfile.type`, /seccomp profile "Unconfined"/)],
    },
    {
      branch: 'seccomp Unconfined in the container overrides the pod',
      edit: app => {
        container(app).securityContext.seccompProfile.type = 'Unconfined';
      },
      findings: [at(STS_FILE, `${SC}.seccompProfile.type`, /seccomp profile "Unconfined"/)],
    },
    ...(['hostNetwork', 'hostPID', 'hostIPC'] as const).map(host => ({
      branch: `${host}: true`,
      edit: (app: App) => {
        podSpec(app)[host] = true;
      },
      findings: [at(STS_FILE, `spec.template.spec.${host}`, new RegExp(`${host} is true`))],
    })),
    {
      branch: 'a container without any securityContext, in an init container',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init', image: 'busybox:1.36' }];
      },
      // runAsNonRoot and seccomp come from the pod; the rest must be set on each container.
      findings: ['readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'capabilities.drop'].map(f =>
        at(STS_FILE, `spec.template.spec.initContainers[0].securityContext.${f}`, /container init /),
      ),
    },
    {
      branch: 'a bare Pod (fields start at spec)',
      edit: app => [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'debug', namespace: NS },
          spec: {
            hostPID: true,
            securityContext: podSpec(app).securityContext,
            containers: [
              { ...container(app), securityContext: { ...container(app).securityContext, privileged: true } },
            ],
          },
        },
      ],
      findings: [
        at('pod-debug.yaml', 'spec.hostPID', /Pod debug: hostPID is true/),
        at(
          'pod-debug.yaml',
          'spec.containers[0].securityContext.privileged',
          /Pod debug: container cache is privileged/,
        ),
      ],
    },
  ],
  'no-latest-tag': [
    {
      branch: 'no image',
      edit: app => {
        delete container(app).image;
      },
      findings: [at(STS_FILE, `${CONTAINER}.image`, /container cache has no image/)],
    },
    {
      branch: 'no tag',
      edit: app => {
        container(app).image = 'registry.example.com/cache';
      },
      findings: [at(STS_FILE, `${CONTAINER}.image`, /has no tag \(it means :latest\)/)],
    },
    {
      branch: 'a registry port is not a tag',
      edit: app => {
        container(app).image = 'registry.example.com:5000/cache';
      },
      findings: [at(STS_FILE, `${CONTAINER}.image`, /registry.example.com:5000\/cache has no tag/)],
    },
    {
      branch: 'the latest tag, in any case',
      edit: app => {
        container(app).image = 'registry.example.com/cache:Latest';
      },
      findings: [at(STS_FILE, `${CONTAINER}.image`, /uses the :latest tag/)],
    },
    {
      branch: 'a malformed digest',
      edit: app => {
        container(app).image = 'registry.example.com/cache@sha256:abc';
      },
      findings: [at(STS_FILE, `${CONTAINER}.image`, /has a malformed digest/)],
    },
    {
      branch: 'an init container image',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init', image: 'busybox' }];
      },
      findings: [at(STS_FILE, 'spec.template.spec.initContainers[0].image', /container init image busybox has no tag/)],
    },
    {
      branch: "the kustomization's images: entry that set the tag is the line to fix",
      edit: app => {
        container(app).image = 'registry.example.com/cache:latest';
      },
      ctx: {
        imageSource: image =>
          image === 'registry.example.com/cache:latest'
            ? { file: 'deploy/overlays/prod/kustomization.yaml', field: 'images[0].newTag' }
            : undefined,
      },
      findings: [
        at(
          'deploy/overlays/prod/kustomization.yaml',
          'images[0].newTag',
          /StatefulSet cache: container cache image .*:latest uses the :latest tag \(set here for spec.template.spec.containers\[0\].image\)/,
        ),
      ],
    },
  ],
  'pdb-present': [
    {
      branch: 'no PodDisruptionBudget',
      edit: app => [app.statefulSet, app.headless, app.lb, app.ingress],
      findings: [at(STS_FILE, 'spec.template.metadata.labels', /no PodDisruptionBudget .* PDBs here: none/)],
    },
    {
      branch: 'a PDB that selects other pods',
      edit: app => {
        app.pdb.spec.selector.matchLabels['app.kubernetes.io/name'] = 'other';
      },
      findings: [at(STS_FILE, 'spec.template.metadata.labels', /no PodDisruptionBudget .* PDBs here: cache/)],
    },
    {
      branch: 'a PDB in another namespace',
      edit: app => {
        app.pdb.metadata.namespace = 'team-b';
      },
      findings: [at(STS_FILE, 'spec.template.metadata.labels', /no PodDisruptionBudget in namespace "team-a"/)],
    },
    {
      branch: 'a PDB with an empty selector (it would select every pod: never what the app means)',
      edit: app => {
        app.pdb.spec.selector = {};
      },
      findings: [at(STS_FILE, 'spec.template.metadata.labels', /no PodDisruptionBudget/)],
    },
  ],
  'selector-matches-template': [
    {
      branch: 'no selector',
      edit: app => {
        delete app.statefulSet.spec.selector;
      },
      findings: [at(STS_FILE, 'spec.selector', /StatefulSet cache: has no selector/)],
    },
    {
      branch: 'matchLabels the template does not carry',
      edit: app => {
        app.statefulSet.spec.selector.matchLabels['app.kubernetes.io/name'] = 'cach';
      },
      findings: [
        at(
          STS_FILE,
          'spec.selector',
          /selector app.kubernetes.io\/name=cach, .* does not match the pod template labels/,
        ),
      ],
    },
    {
      branch: 'an empty selector',
      edit: app => {
        app.statefulSet.spec.selector = { matchLabels: {} };
      },
      findings: [at(STS_FILE, 'spec.selector', /selector \(none\) does not match/)],
    },
    ...(
      [
        ['In', { key: 'app.kubernetes.io/component', operator: 'In', values: ['worker'] }],
        ['In on a missing label', { key: 'tier', operator: 'In', values: ['cache'] }],
        ['NotIn', { key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['server'] }],
        ['Exists', { key: 'tier', operator: 'Exists' }],
        ['DoesNotExist', { key: 'app.kubernetes.io/component', operator: 'DoesNotExist' }],
        ['an unknown operator', { key: 'app.kubernetes.io/component', operator: 'Equals', values: ['server'] }],
      ] as const
    ).map(([label, expression]) => ({
      branch: `matchExpressions: ${label}`,
      edit: (app: App) => {
        app.statefulSet.spec.selector.matchExpressions = [expression];
      },
      findings: [at(STS_FILE, 'spec.selector', /\(\+ matchExpressions\) does not match the pod template labels/)],
    })),
    {
      branch: 'a Deployment too',
      edit: () => [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: NS },
          spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'api' } } } },
        },
      ],
      findings: [
        at('deployment-web.yaml', 'spec.selector', /Deployment web: selector app=web does not match .* app=api/),
      ],
    },
  ],
  'headless-service-matches': [
    {
      branch: 'no serviceName',
      edit: app => {
        delete app.statefulSet.spec.serviceName;
      },
      findings: [at(STS_FILE, 'spec.serviceName', /has no serviceName/)],
    },
    {
      branch: 'serviceName names no Service',
      edit: app => {
        app.statefulSet.spec.serviceName = 'cache-headless';
      },
      findings: [at(STS_FILE, 'spec.serviceName', /"cache-headless" names no Service in namespace "team-a"/)],
    },
    {
      branch: 'the Service of that name is in another namespace',
      edit: app => {
        app.headless.metadata.namespace = 'team-b';
      },
      findings: [at(STS_FILE, 'spec.serviceName', /"cache" names no Service in namespace "team-a"/)],
    },
    {
      branch: 'the Service is not headless',
      edit: app => {
        delete app.headless.spec.clusterIP;
      },
      findings: [
        at(
          HEADLESS_FILE,
          'spec.clusterIP',
          /Service cache: is the serviceName of StatefulSet cache but is not headless/,
        ),
      ],
    },
    {
      branch: 'the Service does not select the pods',
      edit: app => {
        app.headless.spec.selector = { 'app.kubernetes.io/name': 'other' };
      },
      findings: [at(HEADLESS_FILE, 'spec.selector', /selector app.kubernetes.io\/name=other does not select the pods/)],
    },
  ],
  'services-target-pods': [
    {
      branch: 'no selector',
      edit: app => {
        delete app.lb.spec.selector;
      },
      findings: [at(LB_FILE, 'spec.selector', /Service cache-lb: has no selector: it targets no pods/)],
    },
    {
      branch: 'a selector no pod template matches',
      edit: app => {
        app.lb.spec.selector['app.kubernetes.io/instance'] = 'cache-2';
      },
      findings: [at(LB_FILE, 'spec.selector', /matches no pod template \(StatefulSet cache: /)],
    },
    {
      branch: 'pods of the same labels in another namespace',
      edit: app => {
        app.lb.metadata.namespace = 'team-b';
      },
      findings: [at(LB_FILE, 'spec.selector', /matches no pod template/)],
    },
    {
      branch: 'a named targetPort the pods do not have',
      edit: app => {
        app.lb.spec.ports[0].targetPort = 'http';
      },
      findings: [
        at(LB_FILE, 'spec.ports[0].targetPort', /targetPort "http" is not a container port of StatefulSet cache/),
      ],
    },
    {
      branch: 'no targetPort: the port itself must be a container port',
      edit: app => {
        delete app.lb.spec.ports[0].targetPort;
      },
      findings: [at(LB_FILE, 'spec.ports[0].targetPort', /targetPort 80 is not a container port/)],
    },
    {
      branch: "an init container's port does not count",
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init', ports: [{ name: 'seed', containerPort: 7000 }] }];
        app.headless.spec.ports.push({ name: 'seed', port: 7000, targetPort: 'seed' });
      },
      findings: [at(HEADLESS_FILE, 'spec.ports[1].targetPort', /targetPort "seed" is not a container port/)],
    },
  ],
  'ingress-targets-lb': [
    {
      branch: 'an Ingress with no backend',
      edit: app => {
        app.ingress.spec.rules = [{ host: `${NAME}.example.com` }];
      },
      findings: [at(INGRESS_FILE, 'spec.rules', /Ingress cache: routes to no backend/)],
    },
    {
      branch: 'a backend that is not a Service',
      edit: app => {
        app.ingress.spec.rules[0].http.paths[0].backend = { resource: { kind: 'StorageBucket', name: 'assets' } };
      },
      findings: [at(INGRESS_FILE, 'spec.rules[0].http.paths[0].backend', /backend is not a Service/)],
    },
    {
      branch: 'a Service that does not exist',
      edit: app => [app.statefulSet, app.headless, app.ingress],
      findings: [
        at(
          INGRESS_FILE,
          'spec.rules[0].http.paths[0].backend.service.name',
          /Service "cache-lb" does not exist in namespace "team-a"/,
        ),
      ],
    },
    {
      branch: 'a Service of that name in another namespace',
      edit: app => {
        app.lb.metadata.namespace = 'team-b';
      },
      findings: [
        at(INGRESS_FILE, 'spec.rules[0].http.paths[0].backend.service.name', /does not exist in namespace "team-a"/),
      ],
    },
    {
      branch: 'the headless Service',
      edit: app => {
        backend(app).service = { name: NAME, port: { name: 'app' } };
      },
      findings: [
        at(
          INGRESS_FILE,
          'spec.rules[0].http.paths[0].backend.service.name',
          /routes to the headless Service cache; use cache-lb/,
        ),
      ],
    },
    {
      branch: 'another headless Service',
      edit: app => {
        backend(app).service.name = 'cache-peers';
        return [...Object.values(app), { ...app.headless, metadata: { name: 'cache-peers', namespace: NS } }];
      },
      findings: [
        at(
          INGRESS_FILE,
          'spec.rules[0].http.paths[0].backend.service.name',
          /routes to the headless Service cache-peers; use cache-lb/,
        ),
      ],
    },
    {
      branch: "the StatefulSet's serviceName, even when it lost clusterIP: None",
      edit: app => {
        delete app.headless.spec.clusterIP;
        backend(app).service = { name: NAME, port: { name: 'app' } };
      },
      findings: [
        at(INGRESS_FILE, 'spec.rules[0].http.paths[0].backend.service.name', /routes to the headless Service cache/),
      ],
    },
    {
      branch: 'a Service that is not the <StatefulSet>-lb entry point',
      edit: app => {
        app.lb.metadata.name = 'cache-web';
        backend(app).service.name = 'cache-web';
      },
      findings: [
        at(
          INGRESS_FILE,
          'spec.rules[0].http.paths[0].backend.service.name',
          /routes to Service cache-web, not the app's entry point cache-lb/,
        ),
      ],
    },
    {
      branch: 'the -lb Service of another StatefulSet',
      edit: app => {
        app.lb.metadata.name = 'other-lb';
        backend(app).service.name = 'other-lb';
      },
      findings: [
        at(
          INGRESS_FILE,
          'spec.rules[0].http.paths[0].backend.service.name',
          /routes to Service other-lb, not .* cache-lb/,
        ),
      ],
    },
    {
      branch: 'without a StatefulSet, a Service whose name does not end in -lb',
      edit: app => {
        app.lb.metadata.name = 'cache-web';
        backend(app).service.name = 'cache-web';
        return [app.lb, app.ingress];
      },
      findings: [
        at(INGRESS_FILE, 'spec.rules[0].http.paths[0].backend.service.name', /not the app's entry point <name>-lb/),
      ],
    },
    {
      branch: 'a port name the Service does not expose',
      edit: app => {
        backend(app).service.port = { name: 'https' };
      },
      findings: [
        at(
          INGRESS_FILE,
          'spec.rules[0].http.paths[0].backend.service.port',
          /port \{"name":"https"\} is not exposed by Service cache-lb \(ports: http\/80\)/,
        ),
      ],
    },
    {
      branch: 'a port number the Service does not expose (its targetPort is not enough)',
      edit: app => {
        app.lb.spec.ports[0].targetPort = 6379;
        backend(app).service.port = { number: 6379 };
      },
      findings: [
        at(INGRESS_FILE, 'spec.rules[0].http.paths[0].backend.service.port', /port \{"number":6379\} is not exposed/),
      ],
    },
    {
      branch: 'no port',
      edit: app => {
        delete backend(app).service.port;
      },
      findings: [at(INGRESS_FILE, 'spec.rules[0].http.paths[0].backend.service.port', /port undefined is not exposed/)],
    },
    {
      branch: 'the default backend',
      edit: app => {
        app.ingress.spec.defaultBackend = { service: { name: NAME, port: { number: 6379 } } };
      },
      findings: [at(INGRESS_FILE, 'spec.defaultBackend.service.name', /routes to the headless Service cache/)],
    },
  ],
  'ingress-tls': [
    {
      branch: 'no tls block',
      edit: app => {
        delete app.ingress.spec.tls;
      },
      findings: [at(INGRESS_FILE, 'spec.tls', /has no tls block \(overlay prod must serve HTTPS\)/)],
    },
    {
      branch: 'a rule without a host',
      edit: app => {
        delete app.ingress.spec.rules[0].host;
      },
      findings: [at(INGRESS_FILE, 'spec.rules[0].host', /rule has no host, so no certificate can cover it/)],
    },
    {
      branch: 'a host no tls entry covers',
      edit: app => {
        app.ingress.spec.rules.push({ ...app.ingress.spec.rules[0], host: 'www.cache.example.com' });
      },
      findings: [
        at(
          INGRESS_FILE,
          'spec.rules[1].host',
          /host www.cache.example.com is not in any tls hosts \(cache.example.com\)/,
        ),
      ],
    },
    {
      branch: 'a wildcard covers one label only',
      edit: app => {
        app.ingress.spec.tls[0].hosts = ['*.example.com'];
        app.ingress.spec.rules[0].host = 'a.cache.example.com';
      },
      findings: [at(INGRESS_FILE, 'spec.rules[0].host', /host a.cache.example.com is not in any tls hosts/)],
    },
    {
      branch: 'a wildcard does not cover the bare domain',
      edit: app => {
        app.ingress.spec.tls[0].hosts = ['*.example.com'];
        app.ingress.spec.rules[0].host = 'example.com';
      },
      findings: [at(INGRESS_FILE, 'spec.rules[0].host', /host example.com is not in any tls hosts/)],
    },
    {
      branch: 'a tls entry without a secretName',
      edit: app => {
        delete app.ingress.spec.tls[0].secretName;
      },
      findings: [at(INGRESS_FILE, 'spec.tls[0].secretName', /tls entry has no secretName/)],
    },
    {
      branch: 'no cluster issuer',
      edit: app => {
        app.ingress.metadata.annotations = { 'konghq.com/protocols': 'https' };
      },
      findings: [
        at(
          INGRESS_FILE,
          'metadata.annotations["cert-manager.io/cluster-issuer"]',
          /has no cert-manager.io\/cluster-issuer annotation \(overlay prod\)/,
        ),
      ],
    },
    {
      branch: 'a blank cluster issuer',
      edit: app => {
        app.ingress.metadata.annotations['cert-manager.io/cluster-issuer'] = ' ';
      },
      findings: [
        at(INGRESS_FILE, 'metadata.annotations["cert-manager.io/cluster-issuer"]', /cluster-issuer annotation/),
      ],
    },
  ],
  'pvc-retention': [
    {
      branch: 'no retention policy',
      edit: app => {
        delete app.statefulSet.spec.persistentVolumeClaimRetentionPolicy;
      },
      findings: [
        at(STS_FILE, 'spec.persistentVolumeClaimRetentionPolicy', /sets no persistentVolumeClaimRetentionPolicy/),
      ],
    },
    {
      branch: 'whenDeleted: Delete',
      edit: app => {
        app.statefulSet.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = 'Delete';
      },
      findings: [
        at(
          STS_FILE,
          'spec.persistentVolumeClaimRetentionPolicy.whenDeleted',
          /whenDeleted is "Delete", not Retain: deleting the StatefulSet deletes the data/,
        ),
      ],
    },
    {
      branch: 'a policy that leaves whenDeleted to the cluster default',
      edit: app => {
        app.statefulSet.spec.persistentVolumeClaimRetentionPolicy = { whenScaled: 'Retain' };
      },
      findings: [at(STS_FILE, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted', /whenDeleted is "unset"/)],
    },
  ],
  'no-default-namespace': [
    {
      branch: 'no namespace, and no kustomization sets one',
      edit: app => {
        delete app.lb.metadata.namespace;
      },
      findings: [
        at(
          LB_FILE,
          'metadata.namespace',
          /Service cache-lb: has no namespace \(and no kustomization sets namespace:\)/,
        ),
      ],
    },
    {
      branch: 'no namespace although a kustomization sets one (the object is not in its resources)',
      edit: app => {
        delete app.lb.metadata.namespace;
      },
      ctx: { namespaceSource: 'deploy/overlays/prod/kustomization.yaml' },
      findings: [at(LB_FILE, 'metadata.namespace', /Service cache-lb: has no namespace$/)],
    },
    {
      branch: '"default" written in the file',
      edit: app => {
        app.pdb.metadata.namespace = 'default';
      },
      ctx: { sourceDoc: obj => (obj.kind === 'PodDisruptionBudget' ? { metadata: { namespace: 'default' } } : {}) },
      findings: [at('poddisruptionbudget-cache.yaml', 'metadata.namespace', /is in the "default" namespace/)],
    },
    {
      branch: '"default" set by a kustomization: its namespace: line is the one to fix, once',
      edit: app => {
        for (const obj of Object.values(app)) obj.metadata.namespace = 'default';
      },
      ctx: { namespaceSource: 'deploy/overlays/prod/kustomization.yaml', sourceDoc: () => ({ metadata: {} }) },
      findings: [
        at(
          'deploy/overlays/prod/kustomization.yaml',
          'namespace',
          /^puts StatefulSet cache, PodDisruptionBudget cache, Service cache, Service cache-lb, Ingress cache in the "default" namespace$/,
        ),
      ],
    },
  ],
  'vct-no-extra-labels': [
    {
      branch: 'a label the file does not write',
      edit: app => {
        app.statefulSet.spec.volumeClaimTemplates[0].metadata.labels = { 'app.kubernetes.io/part-of': NAME };
      },
      ctx: { sourceDoc: obj => (obj.kind === 'StatefulSet' ? goodApp().statefulSet : undefined) },
      findings: [
        at(
          STS_FILE,
          'spec.volumeClaimTemplates[0].metadata.labels["app.kubernetes.io/part-of"]',
          /volumeClaimTemplate data gets label app.kubernetes.io\/part-of=cache from kustomize/,
        ),
      ],
    },
    {
      branch: 'a label whose value kustomize changed',
      edit: app => {
        app.statefulSet.spec.volumeClaimTemplates[0].metadata.labels = { tier: 'prod' };
      },
      ctx: {
        sourceDoc: () => {
          const source = goodApp().statefulSet;
          source.spec.volumeClaimTemplates[0].metadata.labels = { tier: 'base' };
          return source;
        },
      },
      findings: [at(STS_FILE, 'spec.volumeClaimTemplates[0].metadata.labels["tier"]', /gets label tier=prod/)],
    },
    {
      branch: 'source unknown: a label key the kustomizations add',
      edit: app => {
        app.statefulSet.spec.volumeClaimTemplates[0].metadata.labels = { env: 'prod', tier: 'cache' };
      },
      ctx: { kustomizeLabelKeys: new Set(['env']) },
      findings: [at(STS_FILE, 'spec.volumeClaimTemplates[0].metadata.labels["env"]', /gets label env=prod/)],
    },
  ],
};

/** Near misses: what each rule must accept. */
const NEAR_MISSES: Record<string, NearMiss[]> = {
  'probes-on-app-port': [
    {
      branch: 'probes by port number, tcpSocket and grpc',
      edit: app => {
        container(app).startupProbe = { tcpSocket: { port: 6379 } };
        container(app).readinessProbe = { grpc: { port: 6379 } };
      },
    },
    {
      branch: 'PORT from a reference is not checked against the ports',
      edit: app => {
        container(app).env[0] = { name: 'PORT', valueFrom: { configMapKeyRef: { name: 'c', key: 'port' } } };
      },
    },
    {
      branch: 'init containers need no probes',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init' }];
      },
    },
  ],
  'resources-set': [
    {
      branch: 'numbers and exponents are quantities; request equal to limit',
      edit: app => {
        container(app).resources = { requests: { cpu: 1, memory: '1e9' }, limits: { cpu: '1', memory: '1G' } };
      },
    },
  ],
  'pod-security': [
    {
      branch: 'runAsNonRoot from the pod only',
      edit: app => {
        delete container(app).securityContext.runAsNonRoot;
      },
    },
    {
      branch: 'seccomp from the pod only, or Localhost',
      edit: app => {
        delete container(app).securityContext.seccompProfile;
        podSpec(app).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'cache.json' };
      },
    },
    {
      branch: 'RuntimeDefault in the container overrides an Unconfined pod',
      edit: app => {
        podSpec(app).securityContext.seccompProfile.type = 'Unconfined';
      },
    },
    {
      branch: 'NET_BIND_SERVICE may be added; a container user overrides pod user 0',
      edit: app => {
        container(app).securityContext.capabilities.add = ['NET_BIND_SERVICE'];
        podSpec(app).securityContext.runAsUser = 0;
        container(app).securityContext.runAsUser = 10001;
      },
    },
    {
      branch: 'host namespaces explicitly false, privileged false',
      edit: app => {
        Object.assign(podSpec(app), { hostNetwork: false, hostPID: false, hostIPC: false });
        container(app).securityContext.privileged = false;
      },
    },
  ],
  'no-latest-tag': [
    {
      branch: 'a digest, with or without a tag; a registry port with a tag',
      edit: app => {
        const digest = `sha256:${'a'.repeat(64)}`;
        container(app).image = `registry.example.com:5000/cache@${digest}`;
        podSpec(app).initContainers = [{ name: 'init', image: `busybox:1.36@${digest}` }];
        podSpec(app).containers.push({ ...container(app), name: 'side', image: 'registry.example.com:5000/side:2' });
      },
    },
    {
      branch: 'a tag that merely contains "latest"',
      edit: app => {
        container(app).image = 'cache:latest-2024';
      },
    },
  ],
  'pdb-present': [
    {
      branch: 'a PDB selecting by matchExpressions',
      edit: app => {
        app.pdb.spec.selector = {
          matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [NAME, 'x'] }],
        };
      },
    },
    {
      branch: 'Deployments need no PDB here',
      edit: () => [
        {
          kind: 'Deployment',
          metadata: { name: 'web', namespace: NS },
          spec: { template: { metadata: { labels: { app: 'web' } } } },
        },
      ],
    },
  ],
  'selector-matches-template': [
    {
      branch: 'every operator satisfied',
      edit: app => {
        app.statefulSet.spec.selector.matchExpressions = [
          { key: 'app.kubernetes.io/component', operator: 'In', values: ['server'] },
          { key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['worker'] },
          { key: 'tier', operator: 'NotIn', values: ['x'] },
          { key: 'app.kubernetes.io/name', operator: 'Exists' },
          { key: 'tier', operator: 'DoesNotExist' },
        ];
      },
    },
    {
      branch: 'Jobs and Pods are not checked',
      edit: () => [
        { kind: 'Job', metadata: { name: 'j' }, spec: { template: { metadata: { labels: { a: 'b' } } } } },
        { kind: 'Pod', metadata: { name: 'p' }, spec: {} },
      ],
    },
  ],
  'headless-service-matches': [
    {
      branch: 'a headless Service selecting with a subset of the pod labels',
      edit: app => {
        app.headless.spec.selector = { 'app.kubernetes.io/name': NAME };
      },
    },
  ],
  'services-target-pods': [
    {
      branch: 'a port number as targetPort, a port without targetPort, an ExternalName without selector',
      edit: app => {
        app.lb.spec.ports = [{ name: 'http', port: 80, targetPort: 6379 }];
        app.headless.spec.ports = [{ name: 'app', port: 6379 }];
        return [
          ...Object.values(app),
          {
            kind: 'Service',
            metadata: { name: 'ext', namespace: NS },
            spec: { type: 'ExternalName', externalName: 'example.com' },
          },
        ];
      },
    },
  ],
  'ingress-targets-lb': [
    {
      branch: 'the -lb Service by port number',
      edit: app => {
        backend(app).service.port = { number: 80 };
      },
    },
    {
      branch: 'without a StatefulSet, any -lb Service',
      edit: app => {
        app.lb.metadata.name = 'web-lb';
        backend(app).service.name = 'web-lb';
        return [app.lb, app.ingress];
      },
    },
  ],
  'ingress-tls': [
    {
      branch: 'dev and test need no TLS',
      ctx: { env: 'dev', tlsRequired: false },
      edit: app => {
        delete app.ingress.spec.tls;
        delete app.ingress.metadata.annotations;
      },
    },
    {
      branch: 'a one-label wildcard, hosts in any case',
      edit: app => {
        app.ingress.spec.tls[0].hosts = ['*.Example.com'];
        app.ingress.spec.rules[0].host = 'cache.example.COM';
      },
    },
  ],
  'pvc-retention': [
    {
      branch: 'a StatefulSet without volumes',
      edit: app => {
        delete app.statefulSet.spec.volumeClaimTemplates;
        delete app.statefulSet.spec.persistentVolumeClaimRetentionPolicy;
      },
    },
  ],
  'no-default-namespace': [
    {
      branch: 'cluster-scoped objects have no namespace',
      edit: app => [
        ...Object.values(app),
        { kind: 'ClusterIssuer', metadata: { name: 'letsencrypt-prod' } },
        { kind: 'Namespace', metadata: { name: NS } },
      ],
    },
  ],
  'vct-no-extra-labels': [
    {
      branch: 'labels the file writes itself',
      edit: app => {
        app.statefulSet.spec.volumeClaimTemplates[0].metadata.labels = { env: 'prod' };
      },
      ctx: {
        kustomizeLabelKeys: new Set(['env']),
        sourceDoc: () => {
          const source = goodApp().statefulSet;
          source.spec.volumeClaimTemplates[0].metadata.labels = { env: 'prod' };
          return source;
        },
      },
    },
    {
      branch: 'source unknown: labels kustomize does not add',
      edit: app => {
        app.statefulSet.spec.volumeClaimTemplates[0].metadata.labels = { tier: 'cache' };
      },
      ctx: { kustomizeLabelKeys: new Set(['env']) },
    },
  ],
};

test('every policy rule has broken fixtures and near misses', () => {
  const names = POLICY_RULES.map(r => r.name).sort();
  expect(Object.keys(BROKEN).sort()).toEqual(names);
  expect(Object.keys(NEAR_MISSES).sort()).toEqual(names);
});

describe.each(['prod', 'dev'])('the good app in %s', env => {
  test.each(POLICY_RULES.map(r => [r.name]))('passes %s', name => {
    expect(run(name, () => undefined, { env, tlsRequired: env === 'prod' })).toEqual([]);
  });
});

describe.each(Object.entries(BROKEN))('%s', (name, cases) => {
  test.each(cases.map(c => [c.branch, c] as const))('reports %s', (_branch, c) => {
    expect(run(name, c.edit, c.ctx)).toEqual(
      c.findings.map(f => ({ file: f.file, field: f.field, message: expect.stringMatching(f.message) })),
    );
  });
  test.each((NEAR_MISSES[name] ?? []).map(c => [c.branch, c] as const))('accepts %s', (_branch, c) => {
    expect(run(name, c.edit, c.ctx)).toEqual([]);
  });
});

describe('rules never crash on objects of the wrong shape', () => {
  const odd: K8sObject[] = [
    { kind: 'StatefulSet' },
    { kind: 'StatefulSet', metadata: null, spec: { template: { spec: { containers: [null, 'x', {}] } } } },
    { kind: 'Service', spec: { selector: 'x', ports: 'y' } },
    { kind: 'Ingress', spec: { rules: [null, { http: { paths: [null] } }], tls: [null] } },
    { kind: 'Pod', spec: 7 },
    {},
  ];
  test.each(POLICY_RULES.map(r => [r.name]))('%s', name => {
    expect(() => rule(name).check(odd, context())).not.toThrow();
  });
});

describe('helpers', () => {
  test.each([
    ['100m', 0.1],
    ['1', 1],
    [2, 2],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['128Mi', 128 * 2 ** 20],
    ['1e3', 1000],
    ['1k', 1000],
    ['.5', 0.5],
    ['+1M', 1e6],
  ])('parseQuantity(%j) is %d', (value, expected) => {
    expect(parseQuantity(value)).toBeCloseTo(expected);
  });
  test.each(['', '1 Gi', '1GB', 'Gi', '1.2.3', '0x10', true, null, {}, ['1']])(
    'parseQuantity(%j) is not a quantity',
    value => {
      expect(parseQuantity(value)).toBeUndefined();
    },
  );

  test.each([
    ['cache', {}],
    ['cache:1.0', { tag: '1.0' }],
    ['registry:5000/cache', {}],
    ['registry:5000/team/cache:2', { tag: '2' }],
    ['cache@sha256:abc', { digest: 'sha256:abc' }],
    ['registry:5000/cache:1@sha256:abc', { tag: '1', digest: 'sha256:abc' }],
  ])('imageParts(%j)', (image, expected) => {
    expect(imageParts(image)).toEqual({ tag: undefined, digest: undefined, ...expected });
  });

  test.each([
    ['dev', true],
    ['test', true],
    ['dev-eu', true],
    ['sandbox.2', true],
    ['staging', false],
    ['prod', false],
    ['uat', false],
    ['devops', false],
    ['eu-dev', false],
    ['production', false],
  ])('overlay %j may serve plain HTTP: %s', (env, exempt) => {
    expect(TLS_EXEMPT_OVERLAY.test(env)).toBe(exempt);
  });
});
