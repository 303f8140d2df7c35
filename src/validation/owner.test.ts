import { parseOwnerRef } from './owner';

describe('parseOwnerRef', () => {
  it.each([
    ['platform-team', 'group:default/platform-team'],
    ['group:default/platform-team', 'group:default/platform-team'],
    ['Group:ops/sre', 'group:ops/sre'],
    ['user:default/jane.doe', 'user:default/jane.doe'],
  ])('accepts %s as %s', (input, ref) => expect(parseOwnerRef(input)).toEqual({ ok: true, value: ref }));

  it.each([
    ['component:default/x', /Group or User/],
    ['group:default/x\nspec: {}', /invalid name|not an entity reference/],
    ['group:default/a b', /invalid name/],
    ['group:Bad_NS/x', /invalid namespace/],
    ['', /required/],
    ['a:b:c/d', /not an entity reference|Group or User/],
  ])('rejects %j', (input, rule) => {
    const result = parseOwnerRef(input);
    expect(!result.ok && result.reason).toMatch(rule);
  });
});
