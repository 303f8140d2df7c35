import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  domainEntityV1alpha1Validator,
  Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  groupEntityV1alpha1Validator,
  KindValidator,
  KubernetesValidatorFunctions,
  locationEntityV1alpha1Validator,
  NoForeignRootFieldsEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import YAML from 'yaml';

const KIND_VALIDATORS: KindValidator[] = [
  componentEntityV1alpha1Validator,
  apiEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  groupEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
];

// The same policies the catalog applies when it ingests an entity.
const CATALOG_POLICIES = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/** Relation fields whose values are entity references, with the kinds they may point at. */
const RELATION_FIELDS: Array<{ field: string; defaultKind: string; kinds?: string[] }> = [
  { field: 'owner', defaultKind: 'group', kinds: ['group', 'user'] },
  { field: 'system', defaultKind: 'system', kinds: ['system'] },
  { field: 'domain', defaultKind: 'domain', kinds: ['domain'] },
  { field: 'subcomponentOf', defaultKind: 'component', kinds: ['component'] },
  { field: 'dependsOn', defaultKind: 'component' },
  { field: 'providesApis', defaultKind: 'api', kinds: ['api'] },
  { field: 'consumesApis', defaultKind: 'api', kinds: ['api'] },
];

export type CatalogFileValidation = {
  entities: Entity[];
  /** Each names the file, the document, the field and the rule. */
  problems: string[];
};

/**
 * Validates a catalog-info.yaml the way the catalog will, before it is
 * registered: with the built-in `catalog:register` a broken entity only shows
 * up later as a processing error that the user who ran the template never sees.
 */
export async function validateCatalogFile(text: string, file: string): Promise<CatalogFileValidation> {
  const entities: Entity[] = [];
  const problems: string[] = [];
  const documents = YAML.parseAllDocuments(text, { uniqueKeys: true });
  if (documents.length === 0) {
    return { entities, problems: [`${file}: contains no entity`] };
  }
  for (const [index, doc] of documents.entries()) {
    const where = `${file} (document ${index + 1})`;
    if (doc.errors.length) {
      problems.push(`${where}: is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      continue;
    }
    const data = doc.toJS() as Entity;
    const label = `${where}, ${data?.kind ?? '?'} ${data?.metadata?.name ?? '?'}`;
    const problem = await entityProblem(data);
    if (problem) problems.push(`${label}: ${problem}`);
    else entities.push(data);
  }
  return { entities, problems };
}

async function entityProblem(entity: Entity): Promise<string | undefined> {
  try {
    const checked = await CATALOG_POLICIES.enforce(structuredClone(entity));
    if (!checked) return 'was rejected by the catalog policies';
    let known = false;
    for (const validator of KIND_VALIDATORS) {
      if (await validator.check(checked)) known = true;
    }
    if (!known) return `kind "${entity.kind}" with apiVersion "${entity.apiVersion}" is not one the catalog knows`;
  } catch (error) {
    return (error as Error).message;
  }
  for (const { field, defaultKind, kinds } of RELATION_FIELDS) {
    const raw = (entity.spec as Record<string, unknown> | undefined)?.[field];
    for (const value of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      try {
        const ref = parseEntityRef(String(value), { defaultKind, defaultNamespace: entity.metadata.namespace ?? 'default' });
        if (kinds && !kinds.includes(ref.kind.toLocaleLowerCase('en-US'))) {
          return `spec.${field} "${value}" must refer to a ${kinds.join(' or ')}, not a ${ref.kind}`;
        }
        if (!KubernetesValidatorFunctions.isValidObjectName(ref.name)) {
          return `spec.${field} "${value}" names an invalid entity name "${ref.name}"`;
        }
      } catch (error) {
        return `spec.${field} ${JSON.stringify(value)} is not a valid entity reference: ${(error as Error).message}`;
      }
    }
  }
  return undefined;
}

export const entityRefOf = (entity: Entity) => stringifyEntityRef(entity);
