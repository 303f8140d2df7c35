/**
 * Cases the property tests of issue 6 found, each written down as a plain
 * test with its minimal value. They fail until the code is fixed; none is
 * skipped.
 *
 * What each asserts is what the properties assert: the value is refused with
 * an error naming its field, or it renders exactly where it belongs and every
 * file still reads the same for the tools that read it.
 */
import YAML from 'yaml';
import { ENVIRONMENTS, fileText, kustomizeAll, yamlDocs } from '../support/rendered';
import { expectRefusedNaming, useSeedDryRun } from '../support/seedDryRun';

const dryRun = useSeedDryRun();

describe('component names that YAML 1.1 reads as booleans (found by property 1, YAML 1.1 reading; confirmed by kubectl kustomize)', () => {
  // Minimal value: "y". Accepted by the form and the validate action, then written unquoted
  // (`name: y`, `images: - name: y`, label values) into every deploy/ file. kubectl,
  // kustomize and Argo CD read YAML 1.1, where y/n/yes/no/on/off are booleans:
  // `kubectl kustomize deploy/overlays/dev` fails with
  // "json: cannot unmarshal bool into Go struct field Image.images.name of type string".
  it.each(['y', 'n', 'yes', 'no', 'on', 'off'])(
    'component_id %j is refused naming the field, or every overlay still builds',
    async name => {
      const result = await dryRun({ component_id: name });
      if (!result.ok) return expectRefusedNaming(result, ['component_id', 'name']);
      const statefulSet = YAML.parseAllDocuments(fileText(result.files, 'deploy/base/statefulset.yaml'), {
        version: '1.1',
      })[0].toJS();
      expect(statefulSet.metadata.name).toBe(name);
      const built = kustomizeAll(result.files);
      for (const env of ENVIRONMENTS) {
        expect(built[env].find(o => o.kind === 'StatefulSet')?.metadata.name).toBe(name);
      }
    },
  );
});

describe('component names the boolean check refuses although every YAML reader keeps them strings (found reviewing the fix of the case above)', () => {
  // Minimal value: "e5". The fix asks the `yaml` package's YAML 1.1 schema, which reads
  // "e5" (also "e1", "e10", "e-5") as a float (NaN); go-yaml, which kubectl, kustomize and
  // Argo CD use, reads a plain e5 as a string (its floats need a digit before the exponent),
  // and so does YAML 1.2. The name is refused as "a word YAML reads as a boolean or null",
  // which it is not.
  it.each(['e5', 'e-5'])('component_id %j is accepted and every overlay builds with kubectl kustomize', async name => {
    const result = await dryRun({ component_id: name });
    expect(result.ok ? 'accepted' : result.errors.join('\n')).toBe('accepted');
    if (!result.ok) return;
    const built = kustomizeAll(result.files);
    for (const env of ENVIRONMENTS) {
      expect(built[env].find(o => o.kind === 'StatefulSet')?.metadata.name).toBe(name);
    }
  });
});

describe('component names that YAML 1.2 reads as booleans or null (found by property 1, rejected branch)', () => {
  // Minimal value: "true". Accepted by the form and the validate action, rendered unquoted
  // (`name: true`) into catalog-info.yaml and every Kubernetes file. The dry-run then fails
  // in the check-entity step with "The catalog entity is invalid ... Component true: entity
  // envelope: /metadata/name must be string", which does not name the field to fix
  // (component_id / name), and the Kubernetes manifests would carry a boolean name.
  it.each(['true', 'false', 'null'])(
    'component_id %j is refused naming the field, or renders as a string name',
    async name => {
      const result = await dryRun({ component_id: name });
      if (!result.ok) return expectRefusedNaming(result, ['component_id', 'name']);
      expect(yamlDocs(result.files, 'catalog-info.yaml')[0].metadata.name).toBe(name);
      expect(yamlDocs(result.files, 'deploy/base/statefulset.yaml')[0].metadata.name).toBe(name);
    },
  );
});

describe('descriptions that are not well-formed Unicode (found by property 1)', () => {
  // Minimal value: "\ud800" (a lone surrogate; JSON carries it as "\ud800"). The validate
  // action accepts it; catalog-info.yaml keeps it as the escape "\ud800", but README.md is
  // written as UTF-8, where the lone surrogate becomes U+FFFD: the README shows "�" and no
  // longer carries the description the user gave (and the two files disagree).
  it.each(['\ud800', 'a\udfffb', '\ud83d'])(
    'description %j is refused naming the field, or appears verbatim in README.md and catalog-info.yaml',
    async description => {
      const result = await dryRun({ description });
      if (!result.ok) return expectRefusedNaming(result, ['description']);
      // Compared as JSON, which writes lone surrogates as \ud800 escapes (Jest would print both as "�").
      const json = (s: unknown) => JSON.stringify(s);
      expect(json(yamlDocs(result.files, 'catalog-info.yaml')[0].metadata.description)).toBe(json(description));
      expect(json(fileText(result.files, 'README.md').split('\n')[2])).toBe(json(description));
    },
  );
});
