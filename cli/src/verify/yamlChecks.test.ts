/**
 * yaml-parse and no-structure-from-text on small files written to a temporary
 * folder: each branch with a file that breaks it (the file and field named)
 * and, where the line is fine, one that passes. verify.test.ts covers a
 * duplicate key, an injected key, an anchor with its alias and a missing
 * document in a whole rendered repository.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckOutcome } from './types';
import { checkNoStructureFromText, checkYamlParse, parseYamlFiles } from './yamlChecks';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-checks-test-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let counter = 0;
/** Writes the files into a fresh folder and parses them as the verifier does. */
function parsed(files: Record<string, string>) {
  const dir = path.join(tmpRoot, String(counter++));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return parseYamlFiles(dir, Object.keys(files));
}

const structure = (files: Record<string, string>) => checkNoStructureFromText(parsed(files));
const failsWith = (result: CheckOutcome, file: string, field: string | undefined, message: RegExp) =>
  expect(result).toEqual({
    status: 'fail',
    findings: [{ file, ...(field === undefined ? {} : { field }), message: expect.stringMatching(message) }],
  });

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: cache
  labels:
    app: cache
spec:
  ports:
    - name: app
      port: 6379
  selector:
    app: cache
`;
const HEADLESS = 'deploy/base/service-headless.yaml';

describe('yaml-parse', () => {
  test('a repository without YAML files fails', () => {
    failsWith(checkYamlParse(new Map()), '.', undefined, /no YAML file found/);
  });

  test('a syntax error is reported with its line and column', () => {
    failsWith(
      checkYamlParse(parsed({ 'a.yaml': 'a: 1\nb: [1, 2\n' })),
      'a.yaml',
      undefined,
      /^line \d+, column \d+: .*\(\w+\)$/,
    );
  });

  test('aliases that expand without bound are refused', () => {
    const laughs = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefghi'.split('').map((k, i) => {
        const prev = 'abcdefghi'[i];
        return `${k}: &${k} [${Array(10).fill(`*${prev}`).join(', ')}]`;
      }),
    ].join('\n');
    failsWith(
      checkYamlParse(parsed({ 'laughs.yaml': laughs })),
      'laughs.yaml',
      undefined,
      /could not be converted to data \(alias expansion failed\)/,
    );
  });

  test('several documents and empty files parse', () => {
    expect(checkYamlParse(parsed({ 'a.yaml': `${SERVICE}---\n${SERVICE}`, 'empty.yaml': '' }))).toEqual({
      status: 'pass',
      findings: [],
    });
  });
});

describe('no-structure-from-text', () => {
  test('the golden-path Service passes', () => {
    expect(structure({ [HEADLESS]: SERVICE })).toEqual({ status: 'pass', findings: [] });
  });

  test('an explicit tag', () => {
    failsWith(
      structure({ 'x.yaml': 'a: !!str 5\n' }),
      'x.yaml',
      'a',
      /line 1: explicit YAML tag tag:yaml.org,2002:str/,
    );
  });

  test('an anchor without an alias', () => {
    failsWith(structure({ 'x.yaml': 'a: &x 5\n' }), 'x.yaml', 'a', /line 1: YAML anchor &x/);
  });

  test('an alias names the document in a file of several', () => {
    const result = structure({ 'x.yaml': 'a: 1\n---\nb: &x 1\nc: *x\n' });
    expect(result.findings).toEqual([
      { file: 'x.yaml', field: 'b', message: 'line 3 (document 2): YAML anchor &x' },
      { file: 'x.yaml', field: 'c', message: expect.stringMatching(/^line 4 \(document 2\): YAML alias \*x/) },
    ]);
  });

  test('a golden-path file with an extra document', () => {
    failsWith(
      structure({ [HEADLESS]: `${SERVICE}---\nkind: Secret\n` }),
      HEADLESS,
      undefined,
      /expected 1 document\(s\) \(Service\), found 2/,
    );
  });

  test('a document that is not a mapping', () => {
    failsWith(
      structure({ [HEADLESS]: '- a\n- b\n' }),
      HEADLESS,
      undefined,
      /expected a mapping \(Service\), found a list/,
    );
  });

  test('the wrong kind', () => {
    failsWith(
      structure({ [HEADLESS]: SERVICE.replace('kind: Service', 'kind: Secret') }),
      HEADLESS,
      'kind',
      /expected kind Service, found "Secret"/,
    );
  });

  test('a missing top-level key', () => {
    failsWith(
      structure({ [HEADLESS]: SERVICE.replace('apiVersion: v1\n', '') }),
      HEADLESS,
      'apiVersion',
      /missing top-level key "apiVersion"/,
    );
  });

  test('an unexpected top-level key', () => {
    failsWith(structure({ [HEADLESS]: `${SERVICE}data: {}\n` }), HEADLESS, 'data', /unexpected top-level key "data"/);
  });

  test('an unexpected key in a checked map', () => {
    failsWith(
      structure({ [HEADLESS]: SERVICE.replace('  name: cache\n', '  name: cache\n  finalizers: [x]\n') }),
      HEADLESS,
      'metadata.finalizers',
      /unexpected key "finalizers"/,
    );
  });

  test.each<[string, string, string, RegExp]>([
    [
      'a port written as a string',
      SERVICE.replace('port: 6379', 'port: "6379"'),
      'spec.ports[0].port',
      /expected an integer, found string "6379"/,
    ],
    [
      'a name that became a mapping',
      SERVICE.replace('  name: cache\n', '  name: {evil: 1}\n'),
      'metadata.name',
      /expected a string, found a mapping with keys evil/,
    ],
    [
      'a label value that became a list',
      SERVICE.replace('    app: cache\nspec', '    app: [cache]\nspec'),
      'metadata.labels.app',
      /expected a string, found a list/,
    ],
    [
      'a selector value that became null',
      SERVICE.replace('  selector:\n    app: cache', '  selector:\n    app:'),
      'spec.selector.app',
      /expected a string, found null/,
    ],
  ])('a leaf of the wrong type: %s', (_label, text, field, message) => {
    failsWith(structure({ [HEADLESS]: text }), HEADLESS, field, message);
  });

  test('a resource quantity may be any scalar, not a mapping', () => {
    const sts = (requests: string) =>
      [
        'apiVersion: apps/v1',
        'kind: StatefulSet',
        'metadata: {name: cache}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: cache',
        `          resources: {requests: ${requests}}`,
        '---',
        'apiVersion: policy/v1',
        'kind: PodDisruptionBudget',
        'metadata: {name: cache}',
        'spec: {}',
        '',
      ].join('\n');
    const file = 'deploy/base/statefulset.yaml';
    expect(structure({ [file]: sts('{cpu: 1, memory: 128Mi}') })).toEqual({ status: 'pass', findings: [] });
    failsWith(
      structure({ [file]: sts('{cpu: {a: 1}}') }),
      file,
      'spec.template.spec.containers[0].resources.requests.cpu',
      /document 1: expected a scalar, found a mapping/,
    );
  });

  test.each([
    ['0755', /read as 755 by YAML 1.2 but 493 by YAML 1.1/],
    ['yes', /read as "yes" by YAML 1.2 but true by YAML 1.1/],
    ['1:20', /read as "1:20" by YAML 1.2 but 80 by YAML 1.1/],
  ])('under deploy/, a plain %s that YAML 1.1 reads differently', (value, message) => {
    failsWith(structure({ 'deploy/extra.yaml': `mode: ${value}\n` }), 'deploy/extra.yaml', 'mode', message);
  });

  test('the same plain value outside deploy/, or quoted, is left alone', () => {
    expect(structure({ 'docs/extra.yaml': 'mode: 0755\n', 'deploy/extra.yaml': 'mode: "0755"\n' })).toEqual({
      status: 'pass',
      findings: [],
    });
  });

  test('files that do not parse are skipped with the reason, not passed', () => {
    expect(structure({ [HEADLESS]: 'a: [1\n', 'ok.yaml': 'a: 1\n' })).toEqual({
      status: 'skip',
      findings: [],
      reason: expect.stringContaining(HEADLESS),
    });
  });
});
