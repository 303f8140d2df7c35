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
const POD_SPEC = 'spec.template.spec';
const ENV = `${CONTAINER}.env`;
const RES = `${CONTAINER}.resources`;

/** Where each object "was written": one file per kind and name, so a finding on the wrong object shows. */
const fileOf = (obj: K8sObject) => `${String(obj.kind).toLowerCase()}-${String(obj.metadata?.name)}.yaml`;
const STS_FILE = `statefulset-${NAME}.yaml`;
const HEADLESS_FILE = `service-${NAME}.yaml`;
const LB_FILE = `service-${LB}.yaml`;
const INGRESS_FILE = `ingress-${NAME}.yaml`;
const NP_FILE = `networkpolicy-${NAME}.yaml`;
const SA_FILE = `serviceaccount-${NAME}.yaml`;

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
          serviceAccountName: NAME,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: NAME,
              image: `registry.example.com/${NAME}:0.1.0`,
              imagePullPolicy: 'Always',
              ports: [{ name: 'app', containerPort: 6379 }],
              env: [
                { name: 'PORT', value: '6379' },
                { name: 'DATA_DIR', value: '/data' },
                { name: 'REPLICAS', value: '2' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'SERVICE_NAME', value: NAME },
              ],
              startupProbe: { httpGet: { path: '/healthz', port: 'app' } },
              readinessProbe: { httpGet: { path: '/readyz', port: 'app' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'app' } },
              resources: {
                requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '128Mi' },
                limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
              },
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
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
  const serviceAccount: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: NAME, namespace: NS },
    automountServiceAccountToken: false,
  };
  // Default deny, then the Ingress controller's namespace to the app port, peers on the headless port, DNS out.
  const networkPolicy: K8sObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: NAME, namespace: NS },
    spec: {
      podSelector: { matchLabels: podLabels() },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kong' } } }],
          ports: [{ port: 'app', protocol: 'TCP' }],
        },
        { from: [{ podSelector: { matchLabels: podLabels() } }], ports: [{ port: 'app', protocol: 'TCP' }] },
      ],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
        { to: [{ podSelector: { matchLabels: podLabels() } }], ports: [{ port: 'app', protocol: 'TCP' }] },
      ],
    },
  };
  return { statefulSet, pdb, headless, lb, ingress, serviceAccount, networkPolicy };
}
type App = ReturnType<typeof goodApp>;

const container = (app: App) => app.statefulSet.spec.template.spec.containers[0];
const podSpec = (app: App) => app.statefulSet.spec.template.spec;
const backend = (app: App) => app.ingress.spec.rules[0].http.paths[0].backend;
const env = (app: App, name: string) => container(app).env.find((e: any) => e.name === name);
const netpol = (app: App) => app.networkPolicy.spec;
const without = (app: App, dropped: K8sObject) => Object.values(app).filter(o => o !== dropped);
/** Another workload in the app's namespace, with this pod spec. */
const deployment = (spec: Record<string, any>): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec } },
});

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
          /^puts StatefulSet cache, PodDisruptionBudget cache, Service cache, Service cache-lb, Ingress cache, ServiceAccount cache, NetworkPolicy cache in the "default" namespace$/,
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
  'app-sharding-env': [
    {
      branch: 'REPLICAS above spec.replicas',
      edit: app => {
        env(app, 'REPLICAS').value = '3';
      },
      findings: [at(STS_FILE, `${ENV}[2].value`, /REPLICAS is 3 but spec.replicas is 2: change both together/)],
    },
    {
      branch: 'REPLICAS below spec.replicas',
      edit: app => {
        env(app, 'REPLICAS').value = '1';
      },
      findings: [at(STS_FILE, `${ENV}[2].value`, /REPLICAS is 1 but spec.replicas is 2/)],
    },
    {
      branch: 'spec.replicas unset means 1',
      edit: app => {
        delete app.statefulSet.spec.replicas;
      },
      findings: [at(STS_FILE, `${ENV}[2].value`, /REPLICAS is 2 but spec.replicas is 1/)],
    },
    {
      branch: 'REPLICAS listed first',
      edit: app => {
        const replicas = env(app, 'REPLICAS');
        replicas.value = '3';
        container(app).env = [replicas, ...container(app).env.filter((e: any) => e !== replicas)];
      },
      findings: [at(STS_FILE, `${ENV}[0].value`, /REPLICAS is 3 but spec.replicas is 2/)],
    },
    ...(
      [
        ['zero', '0', /is "0"$/],
        ['a leading zero', '02', /is "02"$/],
        ['trailing text', '2x', /is "2x"$/],
        ['leading text', 'x2', /is "x2"$/],
        ['a number, not a string', 2, /is 2$/],
        ['a list', ['2'], /is \["2"\]$/],
      ] as const
    ).map(([label, value, message]) => ({
      branch: `REPLICAS not a literal whole number: ${label}`,
      edit: (app: App) => {
        env(app, 'REPLICAS').value = value;
      },
      findings: [
        at(STS_FILE, `${ENV}[2].value`, new RegExp(`REPLICAS must be a literal whole number, ${message.source}`)),
      ],
    })),
    {
      branch: 'REPLICAS from a reference',
      edit: app => {
        container(app).env[2] = { name: 'REPLICAS', valueFrom: { configMapKeyRef: { name: 'c', key: 'replicas' } } };
      },
      findings: [at(STS_FILE, `${ENV}[2].value`, /REPLICAS must be a literal whole number, is null$/)],
    },
    {
      branch: 'no POD_NAME',
      edit: app => {
        container(app).env = container(app).env.filter((e: any) => e.name !== 'POD_NAME');
      },
      findings: [at(STS_FILE, ENV, /sets REPLICAS but not POD_NAME \(from the downward API, metadata.name\)/)],
    },
    {
      branch: 'POD_NAME as a literal',
      edit: app => {
        container(app).env[3] = { name: 'POD_NAME', value: 'cache-0' };
      },
      findings: [
        at(STS_FILE, `${ENV}[3].valueFrom`, /POD_NAME must come from the downward API \(fieldRef: metadata.name\)/),
      ],
    },
    {
      branch: 'POD_NAME from another field',
      edit: app => {
        env(app, 'POD_NAME').valueFrom.fieldRef.fieldPath = 'metadata.namespace';
      },
      findings: [at(STS_FILE, `${ENV}[3].valueFrom`, /POD_NAME must come from the downward API/)],
    },
    {
      branch: 'SERVICE_NAME is not the headless Service',
      edit: app => {
        env(app, 'SERVICE_NAME').value = LB;
      },
      findings: [at(STS_FILE, `${ENV}[5].value`, /SERVICE_NAME is "cache-lb" but spec.serviceName is "cache"/)],
    },
    {
      branch: 'a wrong SERVICE_NAME listed first',
      edit: app => {
        container(app).env = [{ name: 'SERVICE_NAME', value: 'cache-peers' }, ...container(app).env.slice(0, 5)];
      },
      findings: [
        // REPLICAS and POD_NAME moved one place down.
        at(STS_FILE, `${ENV}[0].value`, /SERVICE_NAME is "cache-peers" but spec.serviceName is "cache"/),
      ],
    },
    {
      branch: 'SERVICE_NAME from a reference',
      edit: app => {
        container(app).env[5] = { name: 'SERVICE_NAME', valueFrom: { configMapKeyRef: { name: 'c', key: 'svc' } } };
      },
      findings: [at(STS_FILE, `${ENV}[5].value`, /SERVICE_NAME is null but spec.serviceName is "cache"/)],
    },
    {
      branch: 'a StatefulSet without serviceName',
      edit: app => {
        delete app.statefulSet.spec.serviceName;
      },
      findings: [at(STS_FILE, `${ENV}[5].value`, /SERVICE_NAME is "cache" but spec.serviceName is null/)],
    },
    {
      branch: 'every container that sets REPLICAS is checked',
      edit: app => {
        podSpec(app).containers.push({ name: 'side', env: [{ name: 'REPLICAS', value: '5' }] });
      },
      findings: [
        at(STS_FILE, 'spec.template.spec.containers[1].env[0].value', /REPLICAS is 5 but spec.replicas is 2/),
        at(STS_FILE, 'spec.template.spec.containers[1].env', /sets REPLICAS but not POD_NAME/),
      ],
    },
  ],
  'network-policy': [
    {
      branch: 'no NetworkPolicy',
      edit: app => without(app, app.networkPolicy),
      findings: [
        at(
          STS_FILE,
          'spec.template.metadata.labels',
          /StatefulSet cache: no NetworkPolicy in namespace "team-a" selects its pods \(NetworkPolicies here: none\)/,
        ),
      ],
    },
    {
      branch: 'the NetworkPolicy is in another namespace',
      edit: app => {
        app.networkPolicy.metadata.namespace = 'team-b';
      },
      findings: [at(STS_FILE, 'spec.template.metadata.labels', /in namespace "team-a" selects .*here: cache\)/)],
    },
    {
      branch: 'a podSelector that matches other pods',
      edit: app => {
        netpol(app).podSelector = { matchLabels: { 'app.kubernetes.io/name': 'other' } };
      },
      findings: [at(STS_FILE, 'spec.template.metadata.labels', /no NetworkPolicy .*here: cache\)/)],
    },
    {
      branch: 'a NetworkPolicy without podSelector',
      edit: app => {
        delete netpol(app).podSelector;
      },
      findings: [at(STS_FILE, 'spec.template.metadata.labels', /no NetworkPolicy .*here: cache\)/)],
    },
    {
      branch: 'policyTypes without Egress: egress stays open (and DNS is not asked for)',
      edit: app => {
        netpol(app).policyTypes = ['Ingress'];
        netpol(app).egress.splice(0, 1);
      },
      findings: [
        at(
          NP_FILE,
          'spec.policyTypes',
          /^NetworkPolicy cache: no NetworkPolicy selecting StatefulSet cache has policyType Egress, so all egress traffic stays open$/,
        ),
      ],
    },
    {
      branch: 'policyTypes without Ingress',
      edit: app => {
        netpol(app).policyTypes = ['Egress'];
      },
      findings: [at(NP_FILE, 'spec.policyTypes', /has policyType Ingress, so all ingress traffic stays open/)],
    },
    {
      branch: 'no policyTypes and no egress rules: the API server governs ingress only',
      edit: app => {
        delete netpol(app).policyTypes;
        delete netpol(app).egress;
      },
      findings: [
        at(NP_FILE, 'spec.policyTypes', /has policyType Egress/),
        at(NP_FILE, 'spec.egress', /no egress rule lets the pods reach their peers on the headless port app\/6379/),
      ],
    },
    {
      branch: 'an ingress rule without from',
      edit: app => {
        delete netpol(app).ingress[0].from;
      },
      findings: [
        at(NP_FILE, 'spec.ingress[0].from', /an ingress rule without "from" admits every pod and address/),
        at(NP_FILE, 'spec.ingress', /no ingress rule admits the Ingress controller's namespace/),
      ],
    },
    {
      branch: 'an ingress rule with an empty from',
      edit: app => {
        netpol(app).ingress[1].from = [];
      },
      findings: [
        at(NP_FILE, 'spec.ingress[1].from', /without "from"/),
        at(NP_FILE, 'spec.ingress', /no ingress rule admits the peer pods/),
      ],
    },
    {
      branch: 'a namespace-wide policy (empty podSelector) that admits everything',
      edit: app => [
        ...Object.values(app),
        {
          kind: 'NetworkPolicy',
          metadata: { name: 'allow-all', namespace: NS },
          spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
        },
      ],
      findings: [
        at(
          'networkpolicy-allow-all.yaml',
          'spec.ingress[0].from',
          /NetworkPolicy allow-all: an ingress rule without "from"/,
        ),
      ],
    },
    ...(
      [
        ['on another port', { ports: [{ port: 8080 }] }],
        ['on a range that ends below the app port', { ports: [{ port: 6000, endPort: 6378 }] }],
        ['on a range that starts above the app port', { ports: [{ port: 6380, endPort: 7000 }] }],
        ['on UDP only', { ports: [{ port: 'app', protocol: 'UDP' }] }],
        ['on a port name the container does not use', { ports: [{ port: 'http' }] }],
        ['from every namespace (an empty namespaceSelector)', { from: [{ namespaceSelector: {} }] }],
        ['from pods of its own namespace', { from: [{ podSelector: { matchLabels: { app: 'kong' } } }] }],
        ['from an address block', { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
      ] as const
    ).map(([label, change]) => ({
      branch: `the Ingress controller admitted ${label}`,
      edit: (app: App) => {
        Object.assign(netpol(app).ingress[0], change);
      },
      findings: [
        at(
          NP_FILE,
          'spec.ingress',
          /^NetworkPolicy cache: no ingress rule admits the Ingress controller's namespace to port app\/6379, which Ingress cache reaches through Service cache-lb \(rules\[0\]\.http\.paths\[0\]\): the app is unreachable through its Ingress$/,
        ),
      ],
    })),
    {
      branch: 'a second Ingress path to a port the policy does not admit',
      edit: app => {
        container(app).ports.push({ name: 'admin', containerPort: 9000 });
        app.lb.spec.ports.push({ name: 'admin', port: 9000, targetPort: 'admin' });
        app.ingress.spec.rules[0].http.paths.push({
          path: '/admin',
          pathType: 'Prefix',
          backend: { service: { name: LB, port: { name: 'admin' } } },
        });
      },
      findings: [
        at(
          NP_FILE,
          'spec.ingress',
          /to port admin\/9000, which Ingress cache reaches .*\(rules\[0\]\.http\.paths\[1\]\)/,
        ),
      ],
    },
    {
      branch: 'a backend by port number picks that Service port, not the first unnamed one',
      edit: app => {
        container(app).ports.push({ name: 'metrics', containerPort: 9090 });
        app.lb.spec.ports = [
          { port: 8080, targetPort: 'metrics' },
          { port: 80, targetPort: 'app' },
        ];
        backend(app).service.port = { number: 80 };
        netpol(app).ingress[0].ports = [{ port: 'metrics' }];
      },
      findings: [at(NP_FILE, 'spec.ingress', /to port app\/6379, which Ingress cache reaches/)],
    },
    {
      branch: 'a Service port without targetPort reaches the container port of that number',
      edit: app => {
        app.lb.spec.ports = [{ name: 'http', port: 6379 }];
        netpol(app).ingress[0].ports = [{ port: 8080 }];
      },
      findings: [
        at(NP_FILE, 'spec.ingress', /to port app\/6379, which Ingress cache reaches through Service cache-lb/),
      ],
    },
    {
      branch: 'no ingress rule for the peers',
      edit: app => {
        netpol(app).ingress.splice(1, 1);
      },
      findings: [
        at(
          NP_FILE,
          'spec.ingress',
          /^NetworkPolicy cache: no ingress rule admits the peer pods \(podSelector matching StatefulSet cache\) on the headless port app\/6379$/,
        ),
      ],
    },
    ...(
      [
        [
          'with a namespaceSelector (pods of every namespace)',
          { from: [{ namespaceSelector: {}, podSelector: { matchLabels: podLabels() } }] },
        ],
        [
          'by a podSelector that matches other pods',
          { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'other' } } }] },
        ],
        ['by an empty podSelector', { from: [{ podSelector: {} }] }],
        ['on another port', { ports: [{ port: 6380 }] }],
      ] as const
    ).map(([label, change]) => ({
      branch: `the peers admitted ${label}`,
      edit: (app: App) => {
        Object.assign(netpol(app).ingress[1], change);
      },
      findings: [at(NP_FILE, 'spec.ingress', /no ingress rule admits the peer pods .* on the headless port app\/6379/)],
    })),
    {
      branch: 'no egress rule to the peers',
      edit: app => {
        netpol(app).egress.splice(1, 1);
      },
      findings: [
        at(
          NP_FILE,
          'spec.egress',
          /^NetworkPolicy cache: no egress rule lets the pods reach their peers on the headless port app\/6379$/,
        ),
      ],
    },
    {
      branch: 'egress on the peer port to other pods',
      edit: app => {
        netpol(app).egress[1].to = [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'other' } } }];
      },
      findings: [at(NP_FILE, 'spec.egress', /no egress rule lets the pods reach their peers/)],
    },
    {
      branch: 'egress to the peers on another port',
      edit: app => {
        netpol(app).egress[1].ports = [{ port: 'http' }];
      },
      findings: [at(NP_FILE, 'spec.egress', /no egress rule lets the pods reach their peers/)],
    },
    {
      branch: 'every port of the headless Service is checked',
      edit: app => {
        container(app).ports.push({ name: 'gossip', containerPort: 7000 });
        app.headless.spec.ports.push({ name: 'gossip', port: 7000, targetPort: 'gossip' });
      },
      findings: [
        at(NP_FILE, 'spec.ingress', /admits the peer pods .* on the headless port gossip\/7000$/),
        at(NP_FILE, 'spec.egress', /reach their peers on the headless port gossip\/7000$/),
      ],
    },
    ...(
      [
        ['no DNS rule', (app: App) => netpol(app).egress.splice(0, 1)],
        [
          'DNS over TCP only (a port without protocol is TCP)',
          (app: App) => (netpol(app).egress[0].ports = [{ port: 53 }]),
        ],
        ['UDP to another port', (app: App) => (netpol(app).egress[0].ports = [{ port: 5353, protocol: 'UDP' }])],
        ['a DNS rule whose "to" holds no peer', (app: App) => (netpol(app).egress[0].to = ['kube-dns'])],
      ] as const
    ).map(([label, change]) => ({
      branch: `DNS: ${label}`,
      edit: (app: App) => {
        change(app);
      },
      findings: [
        at(
          NP_FILE,
          'spec.egress',
          /^NetworkPolicy cache: no egress rule allows DNS \(port 53\/UDP\): the pods cannot resolve/,
        ),
      ],
    })),
  ],
  'dedicated-service-account': [
    {
      branch: 'no serviceAccountName',
      edit: app => {
        delete podSpec(app).serviceAccountName;
      },
      findings: [
        at(
          STS_FILE,
          `${POD_SPEC}.serviceAccountName`,
          /^StatefulSet cache: runs as the namespace's default ServiceAccount \(no serviceAccountName\): give the pods their own$/,
        ),
      ],
    },
    {
      branch: 'an empty serviceAccountName',
      edit: app => {
        podSpec(app).serviceAccountName = '';
      },
      findings: [at(STS_FILE, `${POD_SPEC}.serviceAccountName`, /default ServiceAccount \(no serviceAccountName\)/)],
    },
    {
      branch: 'serviceAccountName: default',
      edit: app => {
        podSpec(app).serviceAccountName = 'default';
      },
      findings: [at(STS_FILE, `${POD_SPEC}.serviceAccountName`, /default ServiceAccount: give the pods their own$/)],
    },
    {
      branch: 'the deprecated serviceAccount: default',
      edit: app => {
        delete podSpec(app).serviceAccountName;
        podSpec(app).serviceAccount = 'default';
      },
      findings: [at(STS_FILE, `${POD_SPEC}.serviceAccountName`, /default ServiceAccount: give the pods their own$/)],
    },
    {
      branch: 'a serviceAccountName that is not a string',
      edit: app => {
        podSpec(app).serviceAccountName = 7;
      },
      findings: [at(STS_FILE, `${POD_SPEC}.serviceAccountName`, /default ServiceAccount: give/)],
    },
    {
      branch: 'the ServiceAccount is not in the overlay',
      edit: app => without(app, app.serviceAccount),
      findings: [
        at(
          STS_FILE,
          `${POD_SPEC}.serviceAccountName`,
          /^StatefulSet cache: ServiceAccount "cache" is not part of this overlay \(namespace "team-a"\): the pods would not start$/,
        ),
      ],
    },
    {
      branch: 'the ServiceAccount is in another namespace',
      edit: app => {
        app.serviceAccount.metadata.namespace = 'team-b';
      },
      findings: [at(STS_FILE, `${POD_SPEC}.serviceAccountName`, /ServiceAccount "cache" is not part of this overlay/)],
    },
    {
      branch: 'the ServiceAccount has another name',
      edit: app => {
        app.serviceAccount.metadata.name = 'cache-sa';
      },
      findings: [at(STS_FILE, `${POD_SPEC}.serviceAccountName`, /ServiceAccount "cache" is not part of this overlay/)],
    },
    {
      branch: 'a ServiceAccount shared with another workload (named by the deprecated field there)',
      edit: app => [
        ...Object.values(app),
        deployment({ serviceAccount: NAME, automountServiceAccountToken: false, containers: [] }),
      ],
      findings: [
        at(
          STS_FILE,
          `${POD_SPEC}.serviceAccountName`,
          /^StatefulSet cache: shares ServiceAccount cache with Deployment web$/,
        ),
        at(
          'deployment-web.yaml',
          `${POD_SPEC}.serviceAccountName`,
          /^Deployment web: shares ServiceAccount cache with StatefulSet cache$/,
        ),
      ],
    },
    {
      branch: 'the ServiceAccount does not switch the token off',
      edit: app => {
        delete app.serviceAccount.automountServiceAccountToken;
      },
      findings: [
        at(
          SA_FILE,
          'automountServiceAccountToken',
          /^ServiceAccount cache: does not set automountServiceAccountToken: false: every pod using it gets an API token$/,
        ),
      ],
    },
    {
      branch: 'the ServiceAccount mounts the token',
      edit: app => {
        app.serviceAccount.automountServiceAccountToken = true;
      },
      findings: [at(SA_FILE, 'automountServiceAccountToken', /does not set automountServiceAccountToken: false/)],
    },
    {
      branch: 'the pods mount the token although the ServiceAccount does not',
      edit: app => {
        podSpec(app).automountServiceAccountToken = true;
      },
      findings: [
        at(
          STS_FILE,
          `${POD_SPEC}.automountServiceAccountToken`,
          /^StatefulSet cache: mounts the API token \(automountServiceAccountToken: true\)$/,
        ),
      ],
    },
    {
      branch: 'a bare Pod (fields start at spec)',
      edit: app => [
        ...Object.values(app),
        { kind: 'Pod', metadata: { name: 'debug', namespace: NS }, spec: { containers: [] } },
      ],
      findings: [
        at('pod-debug.yaml', 'spec.serviceAccountName', /^Pod debug: runs as the namespace's default ServiceAccount/),
      ],
    },
  ],
  'ephemeral-storage-set': [
    {
      branch: 'no request',
      edit: app => {
        delete container(app).resources.requests['ephemeral-storage'];
      },
      findings: [
        at(
          STS_FILE,
          `${RES}.requests["ephemeral-storage"]`,
          /^StatefulSet cache: container cache sets no ephemeral-storage request$/,
        ),
      ],
    },
    {
      branch: 'no limits at all (the emptyDir is then not compared)',
      edit: app => {
        delete container(app).resources.limits;
      },
      findings: [
        at(STS_FILE, `${RES}.limits["ephemeral-storage"]`, /container cache sets no ephemeral-storage limit$/),
      ],
    },
    {
      branch: 'an empty limit',
      edit: app => {
        container(app).resources.limits['ephemeral-storage'] = '';
      },
      findings: [at(STS_FILE, `${RES}.limits["ephemeral-storage"]`, /sets no ephemeral-storage limit$/)],
    },
    {
      branch: 'a null request',
      edit: app => {
        container(app).resources.requests['ephemeral-storage'] = null;
      },
      findings: [at(STS_FILE, `${RES}.requests["ephemeral-storage"]`, /sets no ephemeral-storage request$/)],
    },
    {
      branch: 'a limit that is not a quantity',
      edit: app => {
        container(app).resources.limits['ephemeral-storage'] = '1 GB';
      },
      findings: [
        at(STS_FILE, `${RES}.limits["ephemeral-storage"]`, /container cache: "1 GB" is not a positive quantity$/),
      ],
    },
    {
      branch: 'a zero limit (not compared with the request or the emptyDir)',
      edit: app => {
        container(app).resources.limits['ephemeral-storage'] = '0';
      },
      findings: [at(STS_FILE, `${RES}.limits["ephemeral-storage"]`, /"0" is not a positive quantity$/)],
    },
    {
      branch: 'a negative request',
      edit: app => {
        container(app).resources.requests['ephemeral-storage'] = '-1Gi';
      },
      findings: [at(STS_FILE, `${RES}.requests["ephemeral-storage"]`, /"-1Gi" is not a positive quantity$/)],
    },
    {
      branch: 'a request above the limit',
      edit: app => {
        container(app).resources.requests['ephemeral-storage'] = '512Mi';
      },
      findings: [
        at(
          STS_FILE,
          `${RES}.requests["ephemeral-storage"]`,
          /container cache requests more ephemeral-storage \(512Mi\) than its limit \(256Mi\)$/,
        ),
      ],
    },
    {
      branch: 'an init container without ephemeral-storage',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init' }];
      },
      findings: ['requests', 'limits'].map(kind =>
        at(STS_FILE, `${POD_SPEC}.initContainers[0].resources.${kind}["ephemeral-storage"]`, /container init sets no/),
      ),
    },
    {
      branch: 'an emptyDir without sizeLimit',
      edit: app => {
        delete podSpec(app).volumes[0].emptyDir.sizeLimit;
      },
      findings: [
        at(STS_FILE, `${POD_SPEC}.volumes[0].emptyDir.sizeLimit`, /^StatefulSet cache: emptyDir tmp has no sizeLimit$/),
      ],
    },
    {
      branch: 'a second, empty emptyDir',
      edit: app => {
        podSpec(app).volumes.push({ name: 'scratch', emptyDir: {} });
      },
      findings: [at(STS_FILE, `${POD_SPEC}.volumes[1].emptyDir.sizeLimit`, /emptyDir scratch has no sizeLimit$/)],
    },
    {
      branch: 'an emptyDir larger than the limit',
      edit: app => {
        podSpec(app).volumes[0].emptyDir.sizeLimit = '257Mi';
      },
      findings: [
        at(
          STS_FILE,
          `${POD_SPEC}.volumes[0].emptyDir.sizeLimit`,
          /emptyDir tmp may grow to 257Mi, more than the containers' ephemeral-storage limits together: the pod is evicted/,
        ),
      ],
    },
    {
      branch: "an init container's limit does not cover the emptyDir",
      edit: app => {
        podSpec(app).initContainers = [
          {
            name: 'init',
            resources: { requests: { 'ephemeral-storage': '1Mi' }, limits: { 'ephemeral-storage': '1Gi' } },
          },
        ];
        podSpec(app).volumes[0].emptyDir.sizeLimit = '384Mi';
      },
      findings: [at(STS_FILE, `${POD_SPEC}.volumes[0].emptyDir.sizeLimit`, /may grow to 384Mi/)],
    },
    {
      branch: 'a container without a limit: that is reported, the emptyDir is not compared',
      edit: app => {
        podSpec(app).containers.push({ name: 'side', resources: { requests: { 'ephemeral-storage': '1Mi' } } });
        podSpec(app).volumes[0].emptyDir.sizeLimit = '1Gi';
      },
      findings: [
        at(
          STS_FILE,
          `${POD_SPEC}.containers[1].resources.limits["ephemeral-storage"]`,
          /container side sets no ephemeral-storage limit$/,
        ),
      ],
    },
    {
      branch: 'a bare Pod (fields start at spec)',
      edit: () => [
        {
          kind: 'Pod',
          metadata: { name: 'debug', namespace: NS },
          spec: { containers: [{ name: 'sh' }], volumes: [{ name: 'w', emptyDir: {} }] },
        },
      ],
      findings: [
        at(
          'pod-debug.yaml',
          'spec.containers[0].resources.requests["ephemeral-storage"]',
          /^Pod debug: container sh sets no/,
        ),
        at(
          'pod-debug.yaml',
          'spec.containers[0].resources.limits["ephemeral-storage"]',
          /^Pod debug: container sh sets no/,
        ),
        at('pod-debug.yaml', 'spec.volumes[0].emptyDir.sizeLimit', /^Pod debug: emptyDir w has no sizeLimit$/),
      ],
    },
  ],
  'image-pull-policy-always': [
    ...(
      [
        ['IfNotPresent', 'IfNotPresent', '"IfNotPresent"'],
        ['Never', 'Never', '"Never"'],
        ['unset', undefined, '"unset"'],
        ['always in lower case', 'always', '"always"'],
      ] as const
    ).map(([label, policy, shown]) => ({
      branch: label,
      edit: (app: App) => {
        container(app).imagePullPolicy = policy;
      },
      findings: [
        at(
          STS_FILE,
          `${CONTAINER}.imagePullPolicy`,
          new RegExp(`^StatefulSet cache: container cache has imagePullPolicy ${shown}, not Always$`),
        ),
      ],
    })),
    {
      branch: 'an init container',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init', image: 'busybox:1.36' }];
      },
      findings: [
        at(STS_FILE, `${POD_SPEC}.initContainers[0].imagePullPolicy`, /container init has imagePullPolicy "unset"/),
      ],
    },
    {
      branch: 'a Deployment too',
      edit: app => [
        ...Object.values(app),
        deployment({ containers: [{ name: 'web', imagePullPolicy: 'IfNotPresent' }] }),
      ],
      findings: [
        at(
          'deployment-web.yaml',
          `${POD_SPEC}.containers[0].imagePullPolicy`,
          /^Deployment web: container web has imagePullPolicy "IfNotPresent"/,
        ),
      ],
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
  'app-sharding-env': [
    {
      branch: 'a container without REPLICAS is not the sharded app: nothing else is checked',
      edit: app => {
        container(app).env = container(app).env.filter((e: any) => !['REPLICAS', 'POD_NAME'].includes(e.name));
        env(app, 'SERVICE_NAME').value = 'elsewhere';
      },
    },
    {
      branch: 'SERVICE_NAME absent',
      edit: app => {
        container(app).env = container(app).env.filter((e: any) => e.name !== 'SERVICE_NAME');
      },
    },
    {
      branch: 'spec.replicas unset and REPLICAS 1; the variables in another order, POD_NAME first',
      edit: app => {
        delete app.statefulSet.spec.replicas;
        env(app, 'REPLICAS').value = '1';
        const podName = env(app, 'POD_NAME');
        container(app).env = [
          podName,
          ...container(app)
            .env.filter((e: any) => e !== podName)
            .reverse(),
        ];
      },
    },
    {
      branch: 'REPLICAS of two digits',
      edit: app => {
        app.statefulSet.spec.replicas = 10;
        env(app, 'REPLICAS').value = '10';
      },
    },
    {
      branch: 'init containers and Deployments are not checked',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init', env: [{ name: 'REPLICAS', value: '9' }] }];
        return [
          ...Object.values(app),
          deployment({ containers: [{ name: 'web', env: [{ name: 'REPLICAS', value: '9' }] }] }),
        ];
      },
    },
  ],
  'network-policy': [
    {
      branch: 'the app port by number, or by a range that includes it',
      edit: app => {
        netpol(app).ingress[0].ports = [{ port: 6379 }];
        netpol(app).ingress[1].ports = [{ port: 6000, endPort: 7000 }];
        netpol(app).egress[1].ports = [{ port: 6379, endPort: 6379, protocol: 'TCP' }];
      },
    },
    {
      branch: 'rules without ports, or a port entry without a port',
      edit: app => {
        netpol(app).ingress[0].ports = [{ protocol: 'TCP' }];
        delete netpol(app).ingress[1].ports;
        delete netpol(app).egress[1].ports;
      },
    },
    {
      branch: 'DNS egress with no port restriction',
      edit: app => {
        delete netpol(app).egress[0].ports;
      },
    },
    {
      branch: 'DNS egress to anywhere on UDP 53',
      edit: app => {
        delete netpol(app).egress[0].to;
      },
    },
    {
      branch: 'DNS egress on UDP without a port number',
      edit: app => {
        netpol(app).egress[0].ports = [{ protocol: 'UDP' }];
      },
    },
    {
      branch: "the controller's namespace by matchExpressions",
      edit: app => {
        netpol(app).ingress[0].from = [
          {
            namespaceSelector: {
              matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['kong'] }],
            },
          },
        ];
      },
    },
    {
      branch: "the controller's namespace by another label",
      edit: app => {
        netpol(app).ingress[0].from = [{ namespaceSelector: { matchLabels: { team: 'ingress' } } }];
      },
    },
    {
      branch: 'policyTypes and rules split over two policies',
      edit: app => {
        const egress = {
          ...app.networkPolicy,
          metadata: { name: `${NAME}-egress`, namespace: NS },
          spec: { ...netpol(app), policyTypes: ['Egress'], ingress: [] },
        };
        app.networkPolicy.spec = { ...netpol(app), policyTypes: ['Ingress'], egress: [] };
        return [...Object.values(app), egress];
      },
    },
    {
      branch: 'no policyTypes but egress rules: the API server governs both',
      edit: app => {
        delete netpol(app).policyTypes;
      },
    },
    {
      branch: "a namespace-wide default deny (empty podSelector) beside the app's policy",
      edit: app => [
        ...Object.values(app),
        {
          kind: 'NetworkPolicy',
          metadata: { name: 'default-deny', namespace: NS },
          spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
        },
      ],
    },
    {
      branch: "the app's policy with an empty podSelector (it selects every pod of the namespace)",
      edit: app => {
        netpol(app).podSelector = {};
      },
    },
    {
      branch: 'a podSelector by matchExpressions',
      edit: app => {
        netpol(app).podSelector = {
          matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [NAME] }],
        };
      },
    },
    {
      branch: 'Deployments are not held to it',
      edit: app => [...Object.values(app), deployment({ containers: [] })],
    },
    // Without the controller's rule, an Ingress path that does not reach these pods' ports asks for nothing.
    ...(
      [
        [
          'an Ingress and its Service in another namespace',
          (app: App) => {
            app.ingress.metadata.namespace = 'team-b';
            app.lb.metadata.namespace = 'team-b';
          },
        ],
        [
          'a backend Service in another namespace than the Ingress',
          (app: App) => {
            app.lb.metadata.namespace = 'team-b';
          },
        ],
        [
          'a backend Service that does not select the pods',
          (app: App) => {
            app.lb.spec.selector = { 'app.kubernetes.io/name': 'other' };
          },
        ],
        [
          'a backend port the Service does not expose',
          (app: App) => {
            container(app).ports.push({ containerPort: 9090 });
            backend(app).service.port = { name: 'https' };
          },
        ],
        [
          'a targetPort that is not a container port',
          (app: App) => {
            app.lb.spec.ports[0].targetPort = 'nope';
          },
        ],
        [
          "a targetPort that is only an init container's port",
          (app: App) => {
            podSpec(app).initContainers = [{ name: 'init', ports: [{ name: 'seed', containerPort: 7000 }] }];
            app.lb.spec.ports[0].targetPort = 'seed';
          },
        ],
      ] as const
    ).map(([label, change]) => ({
      branch: `not the app's Ingress path: ${label}`,
      edit: (app: App) => {
        netpol(app).ingress.splice(0, 1);
        change(app);
      },
    })),
    // Without peer rules, a StatefulSet without a (headless) Service of its serviceName asks for none.
    ...(
      [
        ['the Service is not headless', (app: App) => delete app.headless.spec.clusterIP],
        ['the headless Service is in another namespace', (app: App) => (app.headless.metadata.namespace = 'team-b')],
        ['serviceName names another Service', (app: App) => (app.statefulSet.spec.serviceName = 'cache-peers')],
        ['the headless port targets no container port', (app: App) => (app.headless.spec.ports[0].targetPort = 'nope')],
      ] as const
    ).map(([label, change]) => ({
      branch: `no peer port: ${label}`,
      edit: (app: App) => {
        netpol(app).ingress.splice(1, 1);
        netpol(app).egress.splice(1, 1);
        change(app);
      },
    })),
  ],
  'dedicated-service-account': [
    {
      branch: 'its own ServiceAccount by the deprecated serviceAccount field',
      edit: app => {
        delete podSpec(app).serviceAccountName;
        podSpec(app).serviceAccount = NAME;
      },
    },
    {
      branch: 'the pods leave automountServiceAccountToken to the ServiceAccount',
      edit: app => {
        delete podSpec(app).automountServiceAccountToken;
      },
    },
    {
      branch: 'a ServiceAccount of the same name in another namespace, used there',
      edit: app => [
        ...Object.values(app),
        { ...deployment({ serviceAccountName: NAME, containers: [] }), metadata: { name: 'web', namespace: 'team-b' } },
        { ...app.serviceAccount, metadata: { name: NAME, namespace: 'team-b' } },
      ],
    },
  ],
  'ephemeral-storage-set': [
    {
      branch: 'a request equal to the limit, an emptyDir as large as the limit',
      edit: app => {
        container(app).resources.requests['ephemeral-storage'] = '256Mi';
        podSpec(app).volumes[0].emptyDir.sizeLimit = '256Mi';
      },
    },
    {
      branch: "the containers' limits together cover the emptyDir",
      edit: app => {
        podSpec(app).containers.push({
          name: 'side',
          resources: { requests: { 'ephemeral-storage': '1Mi' }, limits: { 'ephemeral-storage': '256Mi' } },
        });
        podSpec(app).volumes[0].emptyDir.sizeLimit = '384Mi';
      },
    },
    {
      branch: 'a Memory-medium emptyDir without sizeLimit (it counts against memory), other volume kinds',
      edit: app => {
        podSpec(app).volumes.push(
          { name: 'shm', emptyDir: { medium: 'Memory' } },
          { name: 'config', configMap: { name: 'cache-config' } },
        );
      },
    },
    {
      branch: 'quantities as numbers and exponents',
      edit: app => {
        container(app).resources.requests['ephemeral-storage'] = 134217728;
        container(app).resources.limits['ephemeral-storage'] = '1e9';
      },
    },
  ],
  'image-pull-policy-always': [
    {
      branch: 'Always on init containers and other workloads too',
      edit: app => {
        podSpec(app).initContainers = [{ name: 'init', imagePullPolicy: 'Always' }];
        return [...Object.values(app), deployment({ containers: [{ name: 'web', imagePullPolicy: 'Always' }] })];
      },
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
