/**
 * kubernetes-schema on single objects: what the OpenAPI schema cannot say
 * (name lengths and formats, label and annotation syntax, port ranges and
 * names), each with the object that breaks it and the one just inside it.
 */
import { K8sObject } from './types';
import { objectFindings } from './kubernetesSchema';

const FILE = 'deploy/base/x.yaml';

const service = (name: string, extra: Record<string, any> = {}): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'apps', ...extra.metadata },
  spec: { ports: [{ name: 'app', port: 80, targetPort: 'app' }], selector: { app: 'cache' }, ...extra.spec },
});

const statefulSet = (name: string, container: Record<string, any> = {}): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'apps' },
  spec: {
    serviceName: name,
    selector: { matchLabels: { app: 'cache' } },
    template: {
      metadata: { labels: { app: 'cache' } },
      spec: {
        containers: [{ name: 'cache', image: 'cache:1', ports: [{ name: 'app', containerPort: 6379 }], ...container }],
      },
    },
  },
});

const configMap = (name: string): K8sObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'apps' },
  data: { A: 'b' },
});

const findings = (obj: K8sObject) => objectFindings(obj, FILE).map(f => ({ field: f.field, message: f.message }));
const only = (field: string, message: RegExp) => [{ field, message: expect.stringMatching(message) }];

describe('valid objects at the limits pass', () => {
  test.each([
    ['a StatefulSet of 52 characters', statefulSet('s'.repeat(52))],
    ['a StatefulSet named as a DNS subdomain', statefulSet('cache.v2')],
    ['a Service of 63 characters', service('s'.repeat(63))],
    [
      'a ConfigMap of 253 characters (kustomize appends a hash)',
      configMap(`${'c'.repeat(52)}-config-${'h'.repeat(193)}`),
    ],
    ['a named probe port', statefulSet('cache', { readinessProbe: { httpGet: { path: '/', port: 'app' } } })],
    [
      'a port name of 15 characters',
      service('cache', { spec: { ports: [{ port: 80, targetPort: 'abcdefghijklmn1' }] } }),
    ],
  ])('%s', (_label, obj) => {
    expect(findings(obj)).toEqual([]);
  });
});

describe('broken objects are reported with the field', () => {
  test.each<[string, K8sObject, string, RegExp]>([
    [
      'a StatefulSet name over 52 characters',
      statefulSet('s'.repeat(53)),
      'metadata.name',
      /name is 53 characters, at most 52 allowed for a StatefulSet \(its pods get the label "<name>-<hash>", max 63\)/,
    ],
    [
      'a Service name over 63 characters',
      service('s'.repeat(64)),
      'metadata.name',
      /name is 64 characters, at most 63 allowed$/,
    ],
    ['a ConfigMap name over 253 characters', configMap('c'.repeat(254)), 'metadata.name', /at most 253 allowed/],
    [
      'a Service name with a dot (DNS-1035)',
      service('cache.v2'),
      'metadata.name',
      /"cache.v2" is not a valid DNS-1035 label/,
    ],
    [
      'a Service name starting with a digit',
      service('1cache'),
      'metadata.name',
      /"1cache" is not a valid DNS-1035 label/,
    ],
    ['a StatefulSet name in capitals', statefulSet('Cache'), 'metadata.name', /"Cache" is not a valid DNS-1123 name/],
    [
      'a namespace that is not a DNS label',
      service('cache', { metadata: { namespace: 'Team_A' } }),
      'metadata.namespace',
      /namespace "Team_A" is not a valid DNS-1123 label/,
    ],
    [
      'a label key with a space',
      service('cache', { metadata: { labels: { 'bad key': 'x' } } }),
      'metadata.labels["bad key"]',
      /label key "bad key" is not valid/,
    ],
    [
      'a label value over 63 characters',
      service('cache', { metadata: { labels: { app: 'v'.repeat(64) } } }),
      'metadata.labels.app',
      /label value "v{64}" is not valid/,
    ],
    [
      'a Service selector value ending in a dash',
      service('cache', { spec: { selector: { app: 'cache-' } } }),
      'spec.selector.app',
      /label value "cache-" is not valid/,
    ],
    [
      'a matchLabels value with a slash',
      {
        ...statefulSet('cache'),
        spec: { ...statefulSet('cache').spec, selector: { matchLabels: { app: 'a/b' } } },
      },
      'spec.selector.matchLabels.app',
      /label value "a\/b" is not valid/,
    ],
    [
      'an annotation key with two slashes',
      service('cache', { metadata: { annotations: { 'a/b/c': 'x' } } }),
      'metadata.annotations["a/b/c"]',
      /annotation key "a\/b\/c" is not valid/,
    ],
    [
      'a targetPort name over 15 characters',
      service('cache', { spec: { ports: [{ port: 80, targetPort: 'abcdefghijklmno1' }] } }),
      'spec.ports[0].targetPort',
      /port name "abcdefghijklmno1" is not a valid IANA service name/,
    ],
    [
      'a targetPort name with a double dash',
      service('cache', { spec: { ports: [{ port: 80, targetPort: 'a--b' }] } }),
      'spec.ports[0].targetPort',
      /port name "a--b"/,
    ],
    [
      'a targetPort name without a letter',
      service('cache', { spec: { ports: [{ port: 80, targetPort: '8080' }] } }),
      'spec.ports[0].targetPort',
      /port name "8080"/,
    ],
    [
      'a container port name in capitals',
      statefulSet('cache', { ports: [{ name: 'App', containerPort: 6379 }] }),
      'spec.template.spec.containers[0].ports[0].name',
      /port name "App" is not a valid IANA service name/,
    ],
    [
      'a probe port name with an underscore',
      statefulSet('cache', { readinessProbe: { tcpSocket: { port: 'my_port' } } }),
      'spec.template.spec.containers[0].readinessProbe.tcpSocket.port',
      /port name "my_port"/,
    ],
  ])('%s', (_label, obj, field, message) => {
    expect(findings(obj)).toEqual(only(field, message));
  });

  test.each<[string, K8sObject, string, RegExp]>([
    [
      'a port above 65535',
      service('cache', { spec: { ports: [{ port: 70000, targetPort: 'app' }] } }),
      'spec.ports[0].port',
      /port 70000 is outside 1..65535/,
    ],
    [
      'a containerPort of 0',
      statefulSet('cache', { ports: [{ name: 'app', containerPort: 0 }] }),
      'spec.template.spec.containers[0].ports[0].containerPort',
      /port 0 is outside 1..65535/,
    ],
    [
      'an Ingress backend port number above 65535',
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'cache', namespace: 'apps' },
        spec: { defaultBackend: { service: { name: 'cache-lb', port: { number: 65536 } } } },
      },
      'spec.defaultBackend.service.port.number',
      /port 65536 is outside 1..65535/,
    ],
    [
      'an annotation value that is not a string',
      service('cache', { metadata: { annotations: { replicas: 3 } } }),
      'metadata.annotations.replicas',
      /annotation value must be a string, found 3/,
    ],
    ['no name', service(''), 'metadata.name', /has no name/],
    [
      'a misspelt field',
      { ...statefulSet('cache'), spec: { ...statefulSet('cache').spec, replica: 1 } },
      'spec.replica',
      /unknown field "replica"/,
    ],
    [
      'a missing required field',
      { ...statefulSet('cache'), spec: { serviceName: 'cache' } },
      'spec',
      /missing required field "(selector|template)"/,
    ],
    [
      'an apiVersion with no schema',
      { ...service('cache'), apiVersion: 'v2' },
      'apiVersion',
      /no offline schema for apiVersion "v2" kind "Service"/,
    ],
    [
      'a kind that does not exist',
      { ...service('cache'), kind: 'Servic' },
      'apiVersion',
      /no offline schema for apiVersion "v1" kind "Servic"/,
    ],
  ])('%s (the schema may report it too)', (_label, obj, field, message) => {
    expect(findings(obj)).toEqual(expect.arrayContaining(only(field, message)));
  });

  test('findings name the object and the file', () => {
    expect(objectFindings(service('cache.v2'), FILE)).toEqual([
      { file: FILE, field: 'metadata.name', message: expect.stringMatching(/^Service cache\.v2: /) },
    ]);
  });
});
