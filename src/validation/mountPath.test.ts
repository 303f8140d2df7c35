import { parseMountPath, SYSTEM_PATHS } from './mountPath';

describe('parseMountPath', () => {
  it.each([
    ['/data', '/data'],
    ['/var/lib/redis', '/var/lib/redis'],
    ['/data/', '/data'],
    ['//srv//cache', '/srv/cache'],
    ['/data/./x', '/data/x'],
    ['/tmp/cache', '/tmp/cache'],
  ])('accepts %s as %s', (input, normalised) => expect(parseMountPath(input)).toEqual({ ok: true, value: normalised }));

  it.each([
    ['data', /absolute/],
    ['/', /root directory/],
    ['//', /root directory/],
    ['/data/../etc', /"\.\." segment/],
    ['/data:rw', /":"/],
    ['/data dir', /may only contain/],
    ['/data;rm -rf /', /may only contain/],
    ['/da\nta', /control characters/],
    ['/app', /generated image uses/],
    ['/tmp', /generated image uses/],
    ['', /required/],
  ])('rejects %j', (input, rule) => {
    const result = parseMountPath(input);
    expect(!result.ok && result.reason).toMatch(rule);
  });

  it.each(SYSTEM_PATHS.flatMap(p => [p, `${p}/sub`]))('rejects the system path %s', input => {
    const result = parseMountPath(input);
    expect(!result.ok && result.reason).toMatch(/system path/);
  });

  it('does not confuse a system path with a longer name', () => {
    expect(parseMountPath('/etcd-data')).toEqual({ ok: true, value: '/etcd-data' });
    expect(parseMountPath('/var/lib')).toEqual({ ok: true, value: '/var/lib' });
  });
});
