import { componentNameProblems, MAX_STATEFULSET_NAME_LENGTH } from './resourceName';

describe('componentNameProblems', () => {
  it.each(['my-redis', 'a', 'cache1', 'x'.repeat(MAX_STATEFULSET_NAME_LENGTH), 'a1-b2-c3', 'my--redis'])(
    'accepts %s',
    name => expect(componentNameProblems(name)).toEqual([]),
  );

  it('rejects 53 characters, naming the revision-hash label', () => {
    const problems = componentNameProblems('a'.repeat(53));
    expect(problems).toEqual([expect.stringMatching(/at most 52 characters \(is 53\).*controller-revision-hash/)]);
  });

  it.each([
    ['My_App', /lowercase letter|DNS label/],
    ['1cache', /must start with a lowercase letter/],
    ['cache-', /not ending with a hyphen/],
    ['-cache', /start with a lowercase letter/],
    ['my.redis', /DNS label/],
    ['', /required/],
  ])('rejects %j', (name, rule) => {
    expect(componentNameProblems(name).join('; ')).toMatch(rule);
  });

  it.each(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null'])(
    'rejects %j, which YAML reads as a boolean or null',
    name => expect(componentNameProblems(name)).toEqual([expect.stringMatching(/YAML reads as a boolean or null/)]),
  );

  it('accepts words that merely start like YAML keywords', () => {
    for (const name of ['yes-cache', 'null-sink', 'only', 'nope', 'true-north', 'e5', 'e1', 'inf', 'nan']) {
      expect(componentNameProblems(name)).toEqual([]);
    }
  });

  it('reports every broken rule at once', () => {
    expect(componentNameProblems(`9${'A'.repeat(60)}`).length).toBeGreaterThanOrEqual(3);
  });
});
