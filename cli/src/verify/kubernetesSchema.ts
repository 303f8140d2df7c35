import { KubernetesValidatorFunctions as K8sNames } from '@backstage/catalog-model';
import { MAX_STATEFULSET_NAME_LENGTH } from '@goldenpathidp/plugin-scaffolder-backend-module-stateful-app';
import { OverlayBuild } from './kustomize';
import { acrossOverlays, objectLabel } from './overlays';
import { CheckOutcome, Finding, K8sObject } from './types';
import { fieldPath, isRecord, pointerToField } from './util';

type ModelClass = new (data: unknown) => { validate(): void };
type Segs = Array<string | number>;

const API_VERSION =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v\d+(?:(?:alpha|beta)\d+)?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Port names (container ports, named targetPorts and probe ports) are IANA service names. */
const IANA_SVC_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

const ARGO_CD_API_VERSION = 'argoproj.io/v1alpha1';

/**
 * The typed model for an apiVersion/kind from kubernetes-models (one module
 * per group/version: `kubernetes-models/apps/v1`, core is `kubernetes-models/v1`).
 * The apiVersion is checked against the API group grammar first, so the
 * module path cannot be steered elsewhere.
 */
function loadModel(apiVersion: unknown, kind: unknown): ModelClass | undefined {
  if (
    typeof apiVersion !== 'string' ||
    typeof kind !== 'string' ||
    !API_VERSION.test(apiVersion) ||
    !/^[A-Z][A-Za-z0-9]*$/.test(kind)
  ) {
    return undefined;
  }
  try {
    // The model's module is picked by apiVersion at run time, so it cannot be a static import.
    // Argo CD's own kinds (Application, ApplicationSet, AppProject) come from its CRD schemas.
    const mod =
      apiVersion === ARGO_CD_API_VERSION
        ? // eslint-disable-next-line @typescript-eslint/no-require-imports
          require('@kubernetes-models/argo-cd/argoproj.io/v1alpha1')
        : // eslint-disable-next-line @typescript-eslint/no-require-imports
          require(`kubernetes-models/${apiVersion}`);
    const model = mod?.[kind];
    return typeof model === 'function' && typeof model.prototype?.validate === 'function' ? model : undefined;
  } catch {
    return undefined;
  }
}

/** kubernetes-schema over every overlay's objects. */
export function checkKubernetesSchema(builds: OverlayBuild[] | undefined, unavailable?: string): CheckOutcome {
  return acrossOverlays(builds, unavailable, (objects, build) =>
    objects.flatMap(obj => objectFindings(obj, build.sources.fileOf(obj))),
  );
}

export function objectFindings(obj: K8sObject, file: string): Finding[] {
  const label = objectLabel(obj);
  const findings: Finding[] = [];
  const add = (segs: Segs | string, message: string) =>
    findings.push({
      file,
      field: typeof segs === 'string' ? segs : fieldPath(segs) || undefined,
      message: `${label}: ${message}`,
    });

  const Model = loadModel(obj.apiVersion, obj.kind);
  if (!Model) {
    add(
      'apiVersion',
      `no offline schema for apiVersion ${JSON.stringify(obj.apiVersion)} kind ${JSON.stringify(obj.kind)} in kubernetes-models or @kubernetes-models/argo-cd (misspelt, removed or a custom resource)`,
    );
  } else {
    const model = new Model(obj);
    for (const err of schemaErrors(model)) add(pointerToField(err.instancePath ?? ''), describeAjvError(err));
    for (const segs of unknownFields(model))
      add(
        segs,
        `unknown field "${segs[segs.length - 1]}" (not in the ${obj.kind} schema: misspelt or misplaced, the API server would drop or reject it)`,
      );
  }
  extraFindings(obj, add);
  return findings;
}

function schemaErrors(model: { validate(): void }): any[] {
  try {
    model.validate();
    return [];
  } catch (err: any) {
    return Array.isArray(err?.errors) ? err.errors : [{ instancePath: '', message: String(err?.message ?? err) }];
  }
}

function describeAjvError(err: any): string {
  const params = err.params ?? {};
  if (err.keyword === 'enum' && Array.isArray(params.allowedValues))
    return `${err.message}: ${params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  if (err.keyword === 'required' && params.missingProperty) return `missing required field "${params.missingProperty}"`;
  return String(err.message ?? err.keyword ?? 'invalid');
}

/**
 * Fields the schema does not know. The models' validators are compiled ajv
 * code without `additionalProperties: false`, so a misspelt `replica:` passes
 * `.validate()`. But a compiled validator reads exactly the properties its
 * schema declares, and enumerates the keys only of maps (labels, requests…).
 * So: run the validator over a proxy that records which keys it reads and
 * which objects it enumerates; a key present in the data that the validator
 * never read, inside an object whose schema it did inspect, is unknown.
 * Objects it never looked into (free-form JSON) are left alone.
 */
function unknownFields(model: { validate(): void }): Segs[] {
  const read = new Set<string>();
  const inspected = new Set<string>();
  const enumerated = new Set<string>();
  const key = (segs: Segs) => JSON.stringify(segs);
  const wrap = (value: any, segs: Segs): any => {
    if (value === null || typeof value !== 'object') return value;
    const here = key(segs);
    return new Proxy(value, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string' || Array.isArray(target)) {
          return Array.isArray(target) && typeof prop === 'string' && /^\d+$/.test(prop)
            ? wrap(v, [...segs, Number(prop)])
            : v;
        }
        inspected.add(here);
        if (!Object.prototype.hasOwnProperty.call(target, prop)) return v;
        read.add(key([...segs, prop]));
        return wrap(v, [...segs, prop]);
      },
      has(target, prop) {
        if (typeof prop === 'string') {
          inspected.add(here);
          read.add(key([...segs, prop]));
        }
        return Reflect.has(target, prop);
      },
      ownKeys(target) {
        enumerated.add(here);
        return Reflect.ownKeys(target);
      },
    });
  };
  try {
    wrap(model, []).validate(); // `validate` runs the validator on `this`, i.e. on the proxy
  } catch {
    // schema errors are reported by schemaErrors()
  }
  const unknown: Segs[] = [];
  const walk = (value: unknown, segs: Segs) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...segs, i]));
    } else if (isRecord(value)) {
      const here = key(segs);
      const checkKeys = inspected.has(here) && !enumerated.has(here);
      for (const [k, v] of Object.entries(value)) {
        if (checkKeys && !read.has(key([...segs, k]))) unknown.push([...segs, k]);
        else walk(v, [...segs, k]);
      }
    }
  };
  walk({ ...(model as object) }, []);
  return unknown;
}

/** What the OpenAPI schema cannot say: name lengths and formats, port ranges, label syntax. */
function extraFindings(obj: K8sObject, add: (segs: Segs | string, message: string) => void): void {
  const name = obj.metadata?.name;
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (typeof name !== 'string' || !name) {
    add('metadata.name', 'has no name');
  } else {
    // At most 63 (names end up in DNS labels, label values and hostnames), except:
    // a StatefulSet's pods carry the label controller-revision-hash=<name>-<10 chars>,
    // which must fit in 63; ConfigMaps and Secrets are DNS subdomains (253) and
    // kustomize's generators append a 10-character hash, so `<52-char app>-config-<hash>`
    // is 70 characters and still valid.
    const max =
      kind === 'StatefulSet' ? MAX_STATEFULSET_NAME_LENGTH : kind === 'ConfigMap' || kind === 'Secret' ? 253 : 63;
    if (name.length > max)
      add(
        'metadata.name',
        `name is ${name.length} characters, at most ${max} allowed${kind === 'StatefulSet' ? ' for a StatefulSet (its pods get the label "<name>-<hash>", max 63)' : ''}`,
      );
    const pattern = kind === 'Service' ? DNS_1035_LABEL : DNS_SUBDOMAIN;
    if (!pattern.test(name))
      add(
        'metadata.name',
        `name ${JSON.stringify(name)} is not a valid ${kind === 'Service' ? 'DNS-1035 label (lowercase letters, digits, "-", starting with a letter)' : 'DNS-1123 name'}`,
      );
  }
  const ns = obj.metadata?.namespace;
  if (ns !== undefined && !K8sNames.isValidNamespace(ns))
    add('metadata.namespace', `namespace ${JSON.stringify(ns)} is not a valid DNS-1123 label`);

  walk(obj, [], (segs, value) => {
    // An ApplicationSet's template holds Go templates, not values yet: its rendered Applications are checked instead.
    if (kind === 'ApplicationSet' && segs[0] === 'spec') return;
    const last = segs[segs.length - 1];
    const parent = segs[segs.length - 2];
    const isLabelMap =
      (last === 'labels' && parent === 'metadata') ||
      last === 'matchLabels' ||
      (kind === 'Service' && segs.length === 2 && segs[0] === 'spec' && last === 'selector');
    if (isLabelMap && isRecord(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (!K8sNames.isValidLabelKey(k)) add([...segs, k], `label key ${JSON.stringify(k)} is not valid`);
        if (typeof v !== 'string' || !K8sNames.isValidLabelValue(v))
          add(
            [...segs, k],
            `label value ${JSON.stringify(v)} is not valid (a string of at most 63 characters: letters, digits, "-", "_", ".", alphanumeric at both ends)`,
          );
      }
    }
    if (last === 'annotations' && parent === 'metadata' && isRecord(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (!K8sNames.isValidAnnotationKey(k)) add([...segs, k], `annotation key ${JSON.stringify(k)} is not valid`);
        if (typeof v !== 'string') add([...segs, k], `annotation value must be a string, found ${JSON.stringify(v)}`);
      }
    }
    const isPortField =
      ['containerPort', 'hostPort', 'nodePort', 'port', 'targetPort'].includes(String(last)) ||
      (last === 'number' && parent === 'port');
    if (isPortField && typeof value === 'number' && (!Number.isInteger(value) || value < 1 || value > 65535)) {
      add(segs, `port ${value} is outside 1..65535`);
    }
    const isNamedPortRef =
      (last === 'targetPort' || (last === 'port' && ['httpGet', 'tcpSocket'].includes(String(parent)))) &&
      typeof value === 'string';
    const isContainerPortName =
      last === 'name' &&
      typeof segs[segs.length - 2] === 'number' &&
      segs[segs.length - 3] === 'ports' &&
      typeof segs[segs.length - 4] === 'number' &&
      /ontainers$/.test(String(segs[segs.length - 5]));
    if ((isNamedPortRef || isContainerPortName) && typeof value === 'string' && !IANA_SVC_NAME.test(value)) {
      add(
        segs,
        `port name ${JSON.stringify(value)} is not a valid IANA service name (at most 15 lowercase letters, digits and "-", with a letter)`,
      );
    }
  });
}

function walk(value: unknown, segs: Segs, visit: (segs: Segs, value: unknown) => void): void {
  visit(segs, value);
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segs, i], visit));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(v, [...segs, k], visit);
}
