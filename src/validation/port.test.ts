import { parseContainerPort } from './port';

describe('parseContainerPort', () => {
  it.each([
    [6379, 6379],
    ['8080', 8080],
    [1024, 1024],
    [65535, 65535],
    [' 9000 ', 9000],
  ])('accepts %j', (input, port) => expect(parseContainerPort(input)).toEqual({ ok: true, value: port }));

  it.each([
    [80, /between 1024 and 65535.*non-root/],
    [1023, /between 1024/],
    [65536, /between 1024/],
    [0, /between/],
    [-1, /between/],
    [8080.5, /whole number/],
    ['80a', /whole number/],
    ['', /whole number/],
    [null, /whole number/],
    ['1e4', /whole number/],
  ])('rejects %j', (input, rule) => {
    const result = parseContainerPort(input);
    expect(!result.ok && result.reason).toMatch(rule);
  });

  it('rejects a port on the deny list', () => {
    const result = parseContainerPort(15000, [15000, 15001]);
    expect(!result.ok && result.reason).toMatch(/reserved.*15000, 15001/);
  });
});
