import { describeGrant, entityRefToName, parseAccess, parseCollaborators } from './access';

describe('access', () => {
  it('reads org/team as a team of the owner and anything else as a user, both admin', () => {
    expect(parseAccess('acme/Platform-Team', 'acme')).toEqual({
      kind: 'team',
      org: 'acme',
      slug: 'platform-team',
      permission: 'admin',
      field: 'access',
    });
    expect(parseAccess('octocat', 'acme')).toMatchObject({ kind: 'user', login: 'octocat', permission: 'admin' });
    expect(parseAccess('user:default/octocat', 'acme')).toMatchObject({ kind: 'user', login: 'octocat' });
    expect(parseAccess('group:default/platform-team', 'acme')).toMatchObject({ kind: 'team', slug: 'platform-team' });
    expect(() => parseAccess('component:default/x', 'acme')).toThrow(/only groups and users get access/);
  });

  it('grants nothing for the owner itself or no access', () => {
    expect(parseAccess('acme', 'acme')).toBeUndefined();
    expect(parseAccess(undefined, 'acme')).toBeUndefined();
  });

  it('refuses a team of another organisation and names that are not GitHub names', () => {
    expect(() => parseAccess('other/team', 'acme')).toThrow(/access: "other\/team" names a team of other/);
    expect(() => parseAccess('acme/', 'acme')).toThrow(/is not a GitHub team slug/);
    expect(() => parseAccess('not a login', 'acme')).toThrow(/access: "not a login" is not a GitHub user login/);
  });
});

describe('collaborators', () => {
  it('takes users and teams, entity references included, with their roles', () => {
    const grants = parseCollaborators(
      [
        { team: 'group:default/platform-team', access: 'maintain' },
        { user: 'jdoe', access: 'push' },
        { user: 'user:default/ops-bot', access: 'release manager' },
      ],
      'acme',
    );
    expect(grants.map(describeGrant)).toEqual(['team acme/platform-team', 'user jdoe', 'user ops-bot']);
    expect(grants.map(g => [g.field, g.permission])).toEqual([
      ['collaborators[0]', 'maintain'],
      ['collaborators[1]', 'push'],
      ['collaborators[2]', 'release manager'],
    ]);
  });

  it('names the entry and the rule it breaks', () => {
    expect(() => parseCollaborators([{ user: 'a', access: '' }], 'acme')).toThrow(/collaborators\[0\]\.access/);
    expect(() => parseCollaborators([{ user: 'a', team: 'b', access: 'push' }], 'acme')).toThrow(
      /collaborators\[0\]: give exactly one of user or team/,
    );
    expect(() =>
      parseCollaborators(
        [
          { team: 'x', access: 'push' },
          { team: 'bad slug!', access: 'push' },
        ],
        'acme',
      ),
    ).toThrow(/collaborators\[1\]\.team/);
  });

  it('strips kind and namespace from entity references as publish:github does', () => {
    expect(entityRefToName('group:default/platform-team')).toBe('platform-team');
    expect(entityRefToName('platform-team')).toBe('platform-team');
  });
});
