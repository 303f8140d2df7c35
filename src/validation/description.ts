import { RuleResult } from './result';
/** Long enough for any honest description, short enough that nobody makes the backend render megabytes. */
export const MAX_DESCRIPTION_LENGTH = 500;

export function parseDescription(raw: unknown): RuleResult<string> {
  if (raw === undefined || raw === null) return { ok: true, value: '' };
  if (typeof raw !== 'string') return { ok: false, reason: 'must be text' };
  if ([...raw].length > MAX_DESCRIPTION_LENGTH) {
    return { ok: false, reason: `must be at most ${MAX_DESCRIPTION_LENGTH} characters (is ${[...raw].length})` };
  }
  // Newlines and tabs are fine (they are escaped where they land); other control characters are never meant.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(raw)) {
    return { ok: false, reason: 'must not contain control characters other than newlines and tabs' };
  }
  // A lone UTF-16 surrogate cannot be written as UTF-8: files would disagree on the text.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(raw)) {
    return { ok: false, reason: 'must be well-formed Unicode (it contains a lone surrogate)' };
  }
  return { ok: true, value: raw };
}
