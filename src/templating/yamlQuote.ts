import { createTemplateFilter } from '@backstage/plugin-scaffolder-node/alpha';
import YAML from 'yaml';

/**
 * C1 controls and DEL (not printable in YAML), characters that YAML 1.1 readers (go-yaml, used by kubectl and kustomize)
 * treat as line breaks, plus invisible and bidirectional controls that would
 * make a rendered file read differently from what it contains. Written as
 * \u escapes, they stay the same string for every reader and stay visible.
 */
const ESCAPE_AS_UNICODE = /[\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Renders any value as one double-quoted YAML scalar, so user text can never
 * become YAML structure (keys, list items, anchors, tags, document markers).
 */
export function yamlQuote(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  const quoted = YAML.stringify(text, {
    defaultStringType: 'QUOTE_DOUBLE',
    // Never fold or break lines: the scalar is pasted into an indented
    // template line, where a continuation line could start new structure.
    lineWidth: 0,
    doubleQuotedMinMultiLineLength: Number.POSITIVE_INFINITY,
  }).trimEnd();
  return quoted.replace(ESCAPE_AS_UNICODE, ch => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const yamlQuoteFilter = createTemplateFilter({
  id: 'yamlQuote',
  description: 'Quotes a value as a single double-quoted YAML string, escaping anything that could break out of it.',
  schema: z =>
    z.function().args(z.any().describe('Value to quote')).returns(z.string().describe('Double-quoted YAML scalar')),
  examples: [
    {
      description: 'Put free text from the form into a YAML file',
      example: 'description: ${{ values.description | yamlQuote }}',
      notes: 'A description such as `a: b # c` renders as `description: "a: b # c"`.',
    },
  ],
  filter: yamlQuote,
});
