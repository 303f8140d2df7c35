import { parseBaseDomain } from './baseDomain';

describe('parseBaseDomain', () => {
  it.each([
    ['goldenpathidp.io', 'goldenpathidp.io'],
    [' apps.example.com ', 'apps.example.com'],
    ['example.com.', 'example.com'],
    ['a-1.b-2.example', 'a-1.b-2.example'],
  ])('accepts %j', (input, domain) => expect(parseBaseDomain(input)).toEqual({ ok: true, value: domain }));

  it.each([
    [undefined, /must be a domain name/],
    ['', /must be a domain name/],
    [42, /must be a domain name/],
    ['localhost', /at least two labels/],
    ['Example.com', /lowercase DNS name/],
    ['example..com', /lowercase DNS name/],
    ['-example.com', /lowercase DNS name/],
    ['example.com/path', /lowercase DNS name/],
    ['https://example.com', /lowercase DNS name/],
    ['exa mple.com', /lowercase DNS name/],
  ])('rejects %j', (input, rule) => {
    const result = parseBaseDomain(input);
    expect(!result.ok && result.reason).toMatch(rule);
  });

  it('rejects a domain that makes the longest host too long', () => {
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(50)}.com`;
    expect(parseBaseDomain(domain)).toEqual({ ok: true, value: domain });
    const result = parseBaseDomain(domain, 'n'.repeat(52));
    expect(!result.ok && result.reason).toMatch(/\.staging\..* longer than 253 characters/);
  });
});
