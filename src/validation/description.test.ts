import { MAX_DESCRIPTION_LENGTH, parseDescription } from './description';

describe('parseDescription', () => {
  it('accepts text with quotes, colons, newlines and GitHub expressions', () => {
    const text = 'a "b": c # d\n${{ secrets.X }}\t';
    expect(parseDescription(text)).toEqual({ ok: true, value: text });
  });
  it('treats a missing description as empty', () => {
    expect(parseDescription(undefined)).toEqual({ ok: true, value: '' });
  });
  it('limits the length, counting characters not UTF-16 units', () => {
    expect(parseDescription('😀'.repeat(MAX_DESCRIPTION_LENGTH)).ok).toBe(true);
    const result = parseDescription('x'.repeat(MAX_DESCRIPTION_LENGTH + 1));
    expect(!result.ok && result.reason).toMatch(/at most 500 characters \(is 501\)/);
  });
  it('rejects text that is not well-formed Unicode, and keeps emoji', () => {
    for (const bad of ['\ud800', 'a\udfffb', '\ud83d']) {
      const result = parseDescription(bad);
      expect(!result.ok && result.reason).toMatch(/well-formed Unicode/);
    }
    expect(parseDescription('cache 😀 café').ok).toBe(true);
  });

  it('rejects NUL and other control characters', () => {
    expect(parseDescription('a\u0000b').ok).toBe(false);
    expect(parseDescription('a\u001bb').ok).toBe(false);
  });
});
