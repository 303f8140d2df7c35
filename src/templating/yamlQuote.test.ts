import YAML from 'yaml';
import { z } from 'zod/v3';
import { yamlQuote, yamlQuoteFilter } from './yamlQuote';

describe('yamlQuote', () => {
  it.each([
    'plain',
    'a "quoted": value # not a comment',
    "it's",
    'back\\slash',
    'line one\nline two\r\n- item\n? key',
    '&anchor *alias !!python/object:os.system',
    '---\n...',
    '${{ secrets.GITHUB_TOKEN }} {{ x }} {% if %}',
    'tab\there',
    'nul\u0000byte',
    'ls\u2028ps\u2029nel\u0085zw\u200brtl\u202e del\u007f c1\u0080',
    `long ${'word '.repeat(100)}\nwith a break`,
    '',
  ])('round-trips %j as one string scalar', text => {
    // Nested and followed by a sibling, as in a rendered manifest.
    const doc = YAML.parseDocument(`outer:\n  key: ${yamlQuote(text)}\n  next: 1\n`);
    expect(doc.errors).toEqual([]);
    expect(doc.toJS()).toEqual({ outer: { key: text, next: 1 } });
  });

  it('keeps line and paragraph separators escaped, so YAML 1.1 readers see the same string', () => {
    expect(yamlQuote('a\u2028b')).toBe('"a\\u2028b"');
    expect(yamlQuote('x '.repeat(200))).not.toContain('\n');
    expect(yamlQuote('a\nb '.repeat(50))).not.toContain('\n');
  });

  it.each([
    [undefined, '""'],
    [null, '""'],
    [0, '"0"'],
    [false, '"false"'],
    [3.5, '"3.5"'],
  ])('renders the value %j as the string %s (an absent value is the empty string)', (value, quoted) => {
    expect(yamlQuote(value)).toBe(quoted);
  });
});

describe('the yamlQuote template filter', () => {
  it('is registered under the name templates use, describes itself, and quotes', () => {
    expect(yamlQuoteFilter.id).toBe('yamlQuote');
    expect(yamlQuoteFilter.description).toMatch(/^Quotes a value as a single double-quoted YAML string/);
    expect(yamlQuoteFilter.filter('a: b # c')).toBe('"a: b # c"');
  });

  it("documents its input and output for the scaffolder's template-extensions page", () => {
    // The scaffolder calls schema with zod v3 and shows both descriptions to template authors.
    const schema = yamlQuoteFilter.schema!(z as any) as z.ZodFunction<z.ZodTuple<[z.ZodTypeAny]>, z.ZodTypeAny>;
    expect(schema.parameters().items.map(arg => arg.description)).toEqual(['Value to quote']);
    expect(schema.returnType().description).toBe('Double-quoted YAML scalar');
    expect(schema.returnType().safeParse(yamlQuote(42)).success).toBe(true);
  });
});
