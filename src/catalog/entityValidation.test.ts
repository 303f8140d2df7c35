import { entityProblems, validateCatalogFile } from './entityValidation';

const component = (spec: Record<string, unknown> = {}, root: Record<string, unknown> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-redis' },
  spec: { type: 'service', lifecycle: 'experimental', owner: 'group:default/platform-team', ...spec },
  ...root,
});

describe('entityProblems', () => {
  it('finds nothing wrong with a valid entity, relations included', async () => {
    expect(
      await entityProblems(
        component({
          system: 'system:default/caches',
          subcomponentOf: 'platform',
          dependsOn: ['resource:default/volume', 'component:other-ns/worker'],
          providesApis: ['redis-api'],
          consumesApis: ['api:default/auth'],
        }),
      ),
    ).toEqual([]);
    expect(await entityProblems(component({ owner: 'user:jane' }))).toEqual([]);
  });

  it('stops at the envelope when there is no entity to speak of', async () => {
    expect(await entityProblems({ kind: 'Component', metadata: { name: 'x' } })).toEqual([
      { message: "entity envelope: <root> must have required property 'apiVersion' - missingProperty: apiVersion" },
    ]);
    expect(await entityProblems('text')).toEqual([
      { message: 'entity envelope: <root> must be object - type: object' },
    ]);
  });

  it('names the field of a schema problem from its JSON pointer', async () => {
    expect(await entityProblems({ ...component(), metadata: { name: 'x', labels: 'no' } })).toEqual([
      { field: 'metadata.labels', message: 'entity schema: /metadata/labels must be object - type: object' },
    ]);
    // ~1 in a pointer is a '/', as in annotation keys
    const annotated = { ...component(), metadata: { name: 'x', annotations: { 'backstage.io/source': 5 } } };
    expect((await entityProblems(annotated))[0]).toMatchObject({ field: 'metadata.annotations.backstage.io/source' });
  });

  it('checks the kind: unknown kinds and the kind schema', async () => {
    expect(
      await entityProblems({ apiVersion: 'backstage.io/v1alpha1', kind: 'Widget', metadata: { name: 'x' } }),
    ).toEqual([
      { field: 'kind', message: 'kind "Widget" with apiVersion "backstage.io/v1alpha1" is not one the catalog knows' },
    ]);
    const { lifecycle: _omitted, ...spec } = component().spec;
    expect(await entityProblems({ ...component(), spec })).toEqual([
      {
        field: 'spec',
        message: "Component schema: /spec must have required property 'lifecycle' - missingProperty: lifecycle",
      },
    ]);
  });

  it('checks field formats as the catalog does, naming the quoted field', async () => {
    const problems = await entityProblems({ ...component(), metadata: { name: 'Bad Name!' } });
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('metadata.name');
    expect(problems[0].message).toMatch(/^field format: "metadata\.name" is not valid; .* but found "Bad Name!"\.$/);
  });

  it.each([
    [
      'a kind the relation may not point at',
      { owner: 'api:default/x' },
      'spec.owner "api:default/x" must refer to a group or user, not a api',
    ],
    [
      'an invalid entity name',
      { owner: 'group:default/Platform Team!' },
      'spec.owner "group:default/Platform Team!" names an invalid entity name "Platform Team!"',
    ],
    [
      'an invalid namespace',
      { owner: 'group:bad ns/x' },
      'spec.owner "group:bad ns/x" namespace "bad ns" is not valid',
    ],
    ['an invalid kind', { owner: 'gr oup:default/x' }, 'spec.owner "gr oup:default/x" kind "gr oup" is not valid'],
    [
      'two problems at once',
      { owner: 'a:b:c' },
      'spec.owner "a:b:c" must refer to a group or user, not a a; names an invalid entity name "b:c"',
    ],
    [
      'a wrong kind in a list',
      { consumesApis: ['api:x', 'group:x'] },
      'spec.consumesApis "group:x" must refer to a api, not a group',
    ],
    ['a wrong kind for system', { system: 'domain:x' }, 'spec.system "domain:x" must refer to a system, not a domain'],
    [
      'a wrong kind for subcomponentOf',
      { subcomponentOf: 'api:x' },
      'spec.subcomponentOf "api:x" must refer to a component, not a api',
    ],
    [
      'a wrong kind for providesApis',
      { providesApis: ['component:x'] },
      'spec.providesApis "component:x" must refer to a api, not a component',
    ],
  ])('checks relation references: %s', async (_name, spec, message) => {
    const field = `spec.${Object.keys(spec)[0]}`;
    expect(await entityProblems(component(spec))).toEqual([{ field, message }]);
  });

  it('takes any kind for dependsOn, but not a reference that is no string', async () => {
    expect(await entityProblems(component({ dependsOn: ['group:x', 'api:y'] }))).toEqual([]);
    expect(await entityProblems(component({ owner: 42 }))).toEqual([
      { field: 'spec.owner', message: 'Component schema: /spec/owner must be string - type: string' },
      { field: 'spec.owner', message: 'spec.owner must be an entity reference string' },
    ]);
    expect(await entityProblems(component({ dependsOn: ['  '] }))).toContainEqual({
      field: 'spec.dependsOn',
      message: 'spec.dependsOn must be an entity reference string',
    });
  });

  it('resolves references in the namespace of the entity', async () => {
    const namespaced = { ...component({ owner: 'team' }), metadata: { name: 'x', namespace: 'Bad_NS!' } };
    const problems = await entityProblems(namespaced);
    expect(problems).toContainEqual({
      field: 'spec.owner',
      message: 'spec.owner "team" namespace "Bad_NS!" is not valid',
    });
  });
});

describe('validateCatalogFile', () => {
  it('returns the valid entities of every document', async () => {
    const text = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: a }
spec: { type: service, lifecycle: experimental, owner: team }
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: { name: b }
spec: { owner: team }
`;
    const result = await validateCatalogFile(text, 'catalog-info.yaml');
    expect(result.problems).toEqual([]);
    expect(result.entities.map(e => `${e.kind} ${e.metadata.name}`)).toEqual(['Component a', 'System b']);
  });

  it('names the file, the document, the entity and the rule; broken entities are not returned', async () => {
    const text = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ok }
spec: { type: service, lifecycle: experimental, owner: team }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: broken }
spec: { type: service, lifecycle: experimental, owner: "api:x" }
---
kind: Component
`;
    const result = await validateCatalogFile(text, 'catalog-info.yaml');
    expect(result.entities.map(e => e.metadata.name)).toEqual(['ok']);
    expect(result.problems).toEqual([
      'catalog-info.yaml (document 2), Component broken: spec.owner "api:x" must refer to a group or user, not a api',
      "catalog-info.yaml (document 3), Component ?: entity envelope: <root> must have required property 'apiVersion' - missingProperty: apiVersion",
    ]);
    expect((await validateCatalogFile('---\n', 'f.yaml')).problems).toEqual([
      'f.yaml (document 1), ? ?: entity envelope: <root> must be object - type: object',
    ]);
  });

  it('refuses an empty file and YAML the catalog would not read (duplicate keys)', async () => {
    expect(await validateCatalogFile('', 'catalog-info.yaml')).toEqual({
      entities: [],
      problems: ['catalog-info.yaml: contains no entity'],
    });
    const duplicate = await validateCatalogFile('a: 1\na: 2\n---\nb: [\n', 'catalog-info.yaml');
    expect(duplicate.entities).toEqual([]);
    expect(duplicate.problems).toEqual([
      'catalog-info.yaml (document 1): is not valid YAML: Map keys must be unique at line 2, column 1:',
      expect.stringMatching(/^catalog-info\.yaml \(document 2\): is not valid YAML: /),
    ]);
  });
});
