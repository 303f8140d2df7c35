import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  domainEntityV1alpha1Validator,
  Entity,
  entityEnvelopeSchemaValidator,
  entitySchemaValidator,
  FieldFormatEntityPolicy,
  groupEntityV1alpha1Validator,
  KindValidator,
  locationEntityV1alpha1Validator,
  makeValidator,
  NoForeignRootFieldsEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import YAML from 'yaml';

/**
 * Entity checks as the catalog runs them on ingestion, used before registering
 * (goldenpath:catalog:register) and on generated repositories (golden-path
 * verify). With the built-in catalog:register a broken entity only shows up
 * later as a processing error that the user who ran the template never sees.
 */

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

const envelope = entityEnvelopeSchemaValidator();
const entitySchema = entitySchemaValidator();
const validators = makeValidator();

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

/** One broken rule: the field (dotted path) when the catalog model names it, and what is wrong. */
export type EntityProblem = { field?: string; message: string };

/** Every problem of one parsed entity document, in the order the catalog would find them. */
export async function entityProblems(doc: unknown): Promise<EntityProblem[]> {
  const problems: EntityProblem[] = [];
  const attempt = async (what: string, check: () => unknown) => {
    try {
      await check();
      return true;
    } catch (error) {
      const message = String((error as Error)?.message ?? error).split(' To learn more')[0];
      problems.push({ field: fieldFromMessage(message), message: `${what}: ${message}` });
      return false;
    }
  };
  // Later stages assume the earlier ones passed, as in the catalog.
  if (!(await attempt('entity envelope', () => envelope(doc)))) return problems;
  if (!(await attempt('entity schema', () => entitySchema(doc)))) return problems;
  const entity = doc as Entity;
  let known = false;
  const kindChecked = await attempt(`${entity.kind} schema`, async () => {
    for (const validator of KIND_VALIDATORS) if (await validator.check(entity)) known = true;
  });
  if (kindChecked && !known) {
    problems.push({
      field: 'kind',
      message: `kind "${entity.kind}" with apiVersion "${entity.apiVersion}" is not one the catalog knows`,
    });
  }
  await attempt('field format', () => new FieldFormatEntityPolicy(validators).enforce(structuredClone(entity)));
  await attempt('root fields', () => new NoForeignRootFieldsEntityPolicy().enforce(entity));
  problems.push(...relationProblems(entity));
  return problems;
}

/**
 * parseEntityRef only splits on ":" and "/", so "group:default/Platform Team!"
 * parses: each part is checked with the catalog's own validators, and the kind
 * must be one the relation may point at.
 */
function relationProblems(entity: Entity): EntityProblem[] {
  const problems: EntityProblem[] = [];
  for (const { field, defaultKind, kinds } of RELATION_FIELDS) {
    const raw = (entity.spec as Record<string, unknown> | undefined)?.[field];
    for (const value of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      const at = `spec.${field}`;
      if (typeof value !== 'string' || !value.trim()) {
        problems.push({ field: at, message: `${at} must be an entity reference string` });
        continue;
      }
      let ref;
      try {
        ref = parseEntityRef(value, { defaultKind, defaultNamespace: entity.metadata.namespace ?? 'default' });
      } catch (error) {
        problems.push({
          field: at,
          message: `${at} ${JSON.stringify(value)} is not a valid entity reference: ${(error as Error).message}`,
        });
        continue;
      }
      const broken: string[] = [];
      if (!validators.isValidKind(ref.kind)) broken.push(`kind "${ref.kind}" is not valid`);
      else if (kinds && !kinds.includes(ref.kind.toLocaleLowerCase('en-US'))) {
        broken.push(`must refer to a ${kinds.join(' or ')}, not a ${ref.kind}`);
      }
      if (!validators.isValidNamespace(ref.namespace)) broken.push(`namespace "${ref.namespace}" is not valid`);
      if (!validators.isValidEntityName(ref.name)) broken.push(`names an invalid entity name "${ref.name}"`);
      if (broken.length) problems.push({ field: at, message: `${at} ${JSON.stringify(value)} ${broken.join('; ')}` });
    }
  }
  return problems;
}

/** Catalog-model errors name the field either as a JSON pointer (/spec/owner) or quoted ("metadata.name"). */
function fieldFromMessage(message: string): string | undefined {
  const pointer = /(?:^|\s)(\/[A-Za-z0-9_./~-]+)\s/.exec(message);
  if (pointer)
    return pointer[1]
      .slice(1)
      .split('/')
      .map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .join('.');
  const quoted = /"((?:metadata|spec|apiVersion|kind|relations|status)[A-Za-z0-9_.[\]"/-]*)"/.exec(message);
  return quoted ? quoted[1] : undefined;
}

export type CatalogFileValidation = {
  entities: Entity[];
  /** Each names the file, the document, the field and the rule. */
  problems: string[];
};

/** Validates every document of a catalog-info.yaml before it is registered. */
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
    const found = await entityProblems(data);
    const label = `${where}, ${data?.kind ?? '?'} ${data?.metadata?.name ?? '?'}`;
    problems.push(...found.map(p => `${label}: ${p.message}`));
    if (found.length === 0) entities.push(data);
  }
  return { entities, problems };
}
