/**
 * The template and skeleton through the real scaffolder backend's /v2/dry-run,
 * as the template editor and our CLI run it.
 */
import YAML from 'yaml';
import { EmbeddedScaffolder, startEmbeddedScaffolder, DryRunFile } from '../cli/src/dryrun/embeddedScaffolder';
import { loadTemplateBundle, TemplateBundle } from '../cli/src/dryrun/templateBundle';
import {
  ENVIRONMENTS,
  fileText,
  kustomizeAll,
  SEED_TREE,
  SEED_VALUES,
  TEMPLATE_FILE,
  yamlDocs,
} from './support/rendered';

let scaffolder: EmbeddedScaffolder;
let bundle: TemplateBundle;

beforeAll(async () => {
  scaffolder = await startEmbeddedScaffolder();
  bundle = loadTemplateBundle(TEMPLATE_FILE);
});
afterAll(() => scaffolder?.stop());

async function render(values: Record<string, unknown>): Promise<DryRunFile[]> {
  const result = await scaffolder.dryRun(bundle, values as any);
  if (!result.ok) throw new Error(`dry-run failed: ${result.errors.join('\n')}`);
  return result.files;
}

const byKind = (objects: any[], kind: string) => objects.filter(o => o?.kind === kind);

describe('dry-run with the seed example values', () => {
  let files: DryRunFile[];
  let built: Record<string, any[]>;
  beforeAll(async () => {
    files = await render(SEED_VALUES);
    built = kustomizeAll(files);
  });

  it("renders exactly the seed's output tree", () => {
    expect(files.map(f => f.path).sort()).toEqual([...SEED_TREE].sort());
  });

  it('renders YAML that parses without errors or duplicate keys', () => {
    for (const file of files.filter(f => /\.ya?ml$/.test(f.path))) {
      expect(() => yamlDocs(files, file.path)).not.toThrow();
    }
  });

  it('renders the StatefulSet the seed describes, hardened', () => {
    const [sts, pdb] = yamlDocs(files, 'deploy/base/statefulset.yaml');
    expect(sts).toMatchObject({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'my-redis' } });
    expect(sts.spec.serviceName).toBe('my-redis');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates).toEqual([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } } },
      },
    ]);
    const pod = sts.spec.template.spec;
    expect(Object.keys(sts.spec.selector.matchLabels).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(sts.spec.selector.matchLabels)) {
      expect(sts.spec.template.metadata.labels[k]).toBe(v);
    }
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      fsGroup: expect.any(Number),
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [container] = pod.containers;
    expect(container.ports).toEqual([{ name: 'app', containerPort: 6379, protocol: 'TCP' }]);
    expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(container[probe].httpGet.port).toBe('app');
    }
    for (const bound of ['requests', 'limits'])
      expect(container.resources[bound]).toEqual({
        cpu: expect.any(String),
        memory: expect.any(String),
        'ephemeral-storage': expect.any(String),
      });
    expect(container.imagePullPolicy).toBe('Always');
    expect(pod.serviceAccountName).toBe('my-redis');
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(pdb).toMatchObject({ kind: 'PodDisruptionBudget', spec: { selector: sts.spec.selector } });
  });

  it('renders the headless Service and the -lb Service on the app port', () => {
    const [headless] = yamlDocs(files, 'deploy/base/service-headless.yaml');
    expect(headless).toMatchObject({
      metadata: { name: 'my-redis' },
      spec: { clusterIP: 'None', ports: [{ name: 'app', port: 6379, targetPort: 'app' }] },
    });
    for (const env of ENVIRONMENTS) {
      const [lb] = yamlDocs(files, `deploy/overlays/${env}/service.yaml`);
      expect(lb).toMatchObject({
        metadata: { name: 'my-redis-lb' },
        spec: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 'app' }], selector: headless.spec.selector },
      });
    }
  });

  it.each([
    ['dev', 'debug', 'my-redis.dev.goldenpathidp.io', undefined],
    ['test', 'debug', 'my-redis.test.goldenpathidp.io', undefined],
    ['staging', 'info', 'my-redis.staging.goldenpathidp.io', 'letsencrypt-staging'],
    ['prod', 'warn', 'my-redis.goldenpathidp.io', 'letsencrypt-prod'],
  ])(
    'builds the %s overlay with kustomize: APP_ENV, LOG_LEVEL %s, host %s, issuer %s',
    (env, logLevel, host, issuer) => {
      const objects = built[env];
      expect(objects.every(o => o.metadata.namespace === 'apps')).toBe(true);
      const [configMap] = byKind(objects, 'ConfigMap');
      expect(configMap.data).toEqual({ APP_ENV: env, LOG_LEVEL: logLevel });
      const [sts] = byKind(objects, 'StatefulSet');
      // kustomize rewrote the reference to the hashed ConfigMap name
      expect(sts.spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe(configMap.metadata.name);
      expect(sts.spec.template.spec.containers[0].image).toMatch(/\/my-redis:(?!latest)[\w.-]+$/);
      // labels added by kustomize never reach the immutable volumeClaimTemplates
      expect(sts.spec.volumeClaimTemplates[0].metadata).toEqual({ name: 'data' });
      const [ingress] = byKind(objects, 'Ingress');
      expect(ingress.spec.ingressClassName).toBe('kong');
      expect(ingress.spec.rules).toEqual([
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'my-redis-lb', port: { name: 'http' } } } },
            ],
          },
        },
      ]);
      if (issuer) {
        expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(issuer);
        expect(ingress.spec.tls).toEqual([{ hosts: [host], secretName: 'my-redis-tls' }]);
      } else {
        expect(ingress.spec.tls).toBeUndefined();
        expect(ingress.metadata.annotations?.['cert-manager.io/cluster-issuer']).toBeUndefined();
      }
      expect(
        byKind(objects, 'Service')
          .map(s => s.metadata.name)
          .sort(),
      ).toEqual(['my-redis', 'my-redis-lb']);
      expect(byKind(objects, 'PodDisruptionBudget')).toHaveLength(1);
    },
  );

  it('keeps GitHub expressions in the delivery workflow and asks for an OIDC token', () => {
    const workflow = fileText(files, '.github/workflows/delivery.yml');
    expect(workflow).toContain("${{ inputs.environment || 'dev' }}");
    const [parsed] = yamlDocs(files, '.github/workflows/delivery.yml');
    expect(parsed.jobs.delivery.permissions['id-token']).toBe('write');
    expect(parsed.jobs.delivery.uses).toMatch(/^[\w-]+\/[\w-]+\/\.github\/workflows\/[\w-]+\.ya?ml@/);
    expect(parsed.jobs.delivery.with['app-name']).toBe('my-redis');
  });

  it('renders a catalog Component with owner, lifecycle and annotations', () => {
    const [entity] = yamlDocs(files, 'catalog-info.yaml');
    expect(entity).toMatchObject({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'my-redis',
        description: 'Session cache for user service',
        annotations: {
          'github.com/project-slug': 'goldenpathidp/my-redis',
          'backstage.io/kubernetes-id': 'my-redis',
        },
      },
      spec: { type: 'service', lifecycle: 'experimental', owner: 'group:default/platform-team' },
    });
  });

  it('renders a Dockerfile and app for the chosen port and mount path', () => {
    const dockerfile = fileText(files, 'Dockerfile');
    expect(dockerfile).toMatch(/^FROM python:3\.\d+\.\d+-slim-bookworm$/m);
    expect(dockerfile).toMatch(/^USER 10001/m);
    expect(dockerfile).toMatch(/^EXPOSE 6379$/m);
    expect(fileText(files, 'app.py')).toContain('os.environ.get("DATA_DIR", "/data")');
    expect(fileText(files, 'README.md')).toMatch(/single availability zone/);
  });
});

describe('dry-run with other values', () => {
  it('renders a 3-replica prod app with its own port, size and mount path', async () => {
    const files = await render({
      ...SEED_VALUES,
      component_id: 'search-index',
      environment: 'prod',
      replicas: 3,
      storageSize: '1.5Ti',
      mountPath: '/var/lib/search/',
      port: 9200,
      repoUrl: 'github.com?owner=acme&repo=search-index',
    });
    const [sts] = yamlDocs(files, 'deploy/base/statefulset.yaml');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1536Gi');
    expect(sts.spec.template.spec.containers[0].volumeMounts[0].mountPath).toBe('/var/lib/search');
    const [entity] = yamlDocs(files, 'catalog-info.yaml');
    expect(entity.spec.lifecycle).toBe('production');
    expect(entity.metadata.annotations['github.com/project-slug']).toBe('acme/search-index');
    const built = kustomizeAll(files);
    const [prodIngress] = byKind(built.prod, 'Ingress');
    expect(prodIngress.spec.rules[0].host).toBe('search-index.goldenpathidp.io');
    expect(byKind(built.prod, 'StatefulSet')[0].spec.template.spec.containers[0].resources.limits.memory).toBe('512Mi');
    expect(fileText(files, '.github/workflows/delivery.yml')).toContain("${{ inputs.environment || 'prod' }}");
  });

  it('keeps a hostile description a plain string in every file', async () => {
    const description =
      'Cache: "fast" # really\n---\nspec: {owner: evil}\n- ${{ secrets.AWS_KEY }} {{ x }} {% raw %}\u2028&a *a !!binary';
    const files = await render({ ...SEED_VALUES, description });
    for (const file of files.filter(f => /\.ya?ml$/.test(f.path))) {
      expect(() => yamlDocs(files, file.path)).not.toThrow();
    }
    const docs = yamlDocs(files, 'catalog-info.yaml');
    expect(docs).toHaveLength(1);
    expect(docs[0].metadata.description).toBe(description);
    expect(docs[0].spec).toEqual({ type: 'service', lifecycle: 'experimental', owner: 'group:default/platform-team' });
    expect(fileText(files, '.github/workflows/delivery.yml')).not.toContain('AWS_KEY');
    expect(kustomizeAll(files).dev.length).toBeGreaterThan(0);
  });
});

describe('bad values are refused, naming the field', () => {
  it.each([
    [{ storageSize: '10GB' }, 'storageSize'],
    [{ port: 80 }, 'port'],
    [{ component_id: 'My_App' }, 'component_id'],
    [{ replicas: 0 }, 'replicas'],
    [{ environment: 'qa' }, 'environment'],
  ])('by the form schema: %j', async (bad, field) => {
    const result = await scaffolder.dryRun(bundle, { ...SEED_VALUES, ...bad } as any);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.status).toBe(400);
    expect(!result.ok && result.errors.join('\n')).toContain(field);
  });

  it.each([
    [{ storageSize: '20Ti' }, /storageSize: "20Ti" must be between 1Gi and 16Ti/],
    [{ mountPath: '/etc/redis' }, /mountPath: "\/etc\/redis" must not be inside the system path \/etc/],
    [{ mountPath: '/data/../etc' }, /mountPath: .* ".." segment/],
    [{ component_id: 'a'.repeat(52) + 'b' }, /component_id|name/],
    [{ owner: 'component:default/x' }, /owner: "component:default\/x" must be a Group or User/],
  ])('by the validate action (or the form): %j', async (bad, message) => {
    const result = await scaffolder.dryRun(bundle, { ...SEED_VALUES, ...bad } as any);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toMatch(message);
  });

  it('lists every broken rule in one error', async () => {
    const result = await scaffolder.dryRun(bundle, {
      ...SEED_VALUES,
      storageSize: '32Ti',
      mountPath: '/proc/x',
    } as any);
    expect(!result.ok && result.errors.join('\n')).toMatch(/break 2 rule\(s\)[\s\S]*storageSize[\s\S]*mountPath/);
  });
});

describe('module registration', () => {
  it('registers every action of the package with described inputs and examples', async () => {
    const response = await fetch(`${scaffolder.apiUrl}/v2/actions`, {
      headers: { authorization: `Bearer ${scaffolder.token}` },
    });
    const actions = (await response.json()) as any[];
    const ours = actions.filter(a => a.id.startsWith('goldenpath:'));
    const { default: _module, ...exported } = await import('../src');
    const factoryCount = Object.keys(exported).filter(k => /^create\w+Action$/.test(k)).length;
    expect(ours.map(a => a.id).sort()).toEqual(expect.arrayContaining(['goldenpath:stateful:validate']));
    expect(ours).toHaveLength(factoryCount);
    for (const action of ours) {
      expect(action.description).toBeTruthy();
      expect(action.examples.length).toBeGreaterThan(0);
      for (const [name, prop] of Object.entries<any>(action.schema.input.properties)) {
        expect({ name, description: prop.description }).toEqual({ name, description: expect.any(String) });
      }
      for (const example of action.examples) {
        expect(() => YAML.parse(example.example)).not.toThrow();
      }
    }
  });
});
