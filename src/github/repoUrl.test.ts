import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { resolveGithubRepo } from './repoUrl';

const integrations = ScmIntegrations.fromConfig(
  new ConfigReader({
    integrations: {
      github: [{ host: 'github.com' }, { host: 'ghe.example.com', apiBaseUrl: 'https://ghe.example.com/api/v3' }],
      gitlab: [{ host: 'gitlab.com' }],
    },
  }),
);
const resolve = (repoUrl: string) => resolveGithubRepo(repoUrl, integrations);

describe('resolveGithubRepo', () => {
  it('reads the owner and repository and finds the integration of the host', () => {
    expect(resolve('github.com?owner=acme&repo=my-redis')).toMatchObject({
      host: 'github.com',
      owner: 'acme',
      repo: 'my-redis',
      integration: { host: 'github.com' },
    });
    expect(resolve('ghe.example.com?owner=a-b-c&repo=x.y_z')).toMatchObject({
      host: 'ghe.example.com',
      owner: 'a-b-c',
      repo: 'x.y_z',
      integration: { apiBaseUrl: 'https://ghe.example.com/api/v3' },
    });
    // GitHub's limits: 39 characters for a login, 100 for a repository
    expect(resolve(`github.com?owner=${'a'.repeat(39)}&repo=${'r'.repeat(100)}`).repo).toHaveLength(100);
  });

  it.each([
    [
      'a host without a GitHub integration',
      'gitlab.com?owner=acme&repo=x',
      /^repoUrl: no GitHub integration is configured for host "gitlab.com"/,
    ],
    [
      'an unknown host',
      'example.org?owner=acme&repo=x',
      /^repoUrl: no GitHub integration is configured for host "example.org"/,
    ],
    ['no repository', 'github.com?owner=acme', /^repoUrl: "github.com\?owner=acme" is not a repository location: /],
    ['no owner', 'github.com?repo=x', /^repoUrl: "github.com\?repo=x" is not a repository location/],
    [
      'an owner with a double hyphen',
      'github.com?owner=a--b&repo=x',
      /^repoUrl: owner "a--b" is not a valid GitHub user or organisation name$/,
    ],
    ['an owner ending in a hyphen', 'github.com?owner=acme-&repo=x', /owner "acme-" is not a valid GitHub user/],
    ['an owner starting with a hyphen', 'github.com?owner=-acme&repo=x', /owner "-acme" is not a valid GitHub user/],
    ['a 40-character owner', `github.com?owner=${'a'.repeat(40)}&repo=x`, /owner "a{40}" is not a valid GitHub user/],
    [
      'a repository name with a space',
      'github.com?owner=acme&repo=my%20app',
      /^repoUrl: repository name "my app" is not valid on GitHub/,
    ],
    [
      'a 101-character repository name',
      `github.com?owner=acme&repo=${'r'.repeat(101)}`,
      /repository name "r{101}" is not valid on GitHub/,
    ],
    ['the repository name "."', 'github.com?owner=acme&repo=.', /repository name "\." is not valid on GitHub/],
    ['the repository name ".."', 'github.com?owner=acme&repo=..', /repository name "\.\." is not valid on GitHub/],
    [
      'a repository name ending in .git',
      'github.com?owner=acme&repo=app.GIT',
      /repository name "app\.GIT" is not valid on GitHub/,
    ],
  ])('refuses %s with an InputError on repoUrl', (_name, repoUrl, message) => {
    let error: any;
    try {
      resolve(repoUrl);
    } catch (e) {
      error = e;
    }
    expect(error?.name).toBe('InputError');
    expect(error.message).toMatch(message);
  });
});
