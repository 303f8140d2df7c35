import { Octokit } from '@octokit/rest';
import { DEFAULT_TOKEN, GithubStandin, startGithubStandin } from './index';

let gh: GithubStandin;
let octokit: Octokit;
beforeAll(async () => {
  gh = await startGithubStandin();
  octokit = new Octokit({ baseUrl: gh.apiBaseUrl, auth: DEFAULT_TOKEN });
});
afterAll(() => gh.close());

it("serves a repository's page at its html_url, with the files of its default branch", async () => {
  const { data: created } = await octokit.repos.createInOrg({
    org: 'acme',
    name: 'web-page',
    description: 'A <cache> & more',
    auto_init: true,
  });
  await octokit.repos.createOrUpdateFileContents({
    owner: 'acme',
    repo: 'web-page',
    path: 'deploy/base/kustomization.yaml',
    message: 'add',
    content: Buffer.from('resources: []\n').toString('base64'),
  });
  const response = await fetch(created.html_url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await response.text();
  expect(html).toContain('<h1 id="repository">acme/web-page</h1>');
  expect(html).toContain('A &lt;cache&gt; &amp; more');
  expect(html).toContain('<li>README.md</li>');
  expect(html).toContain('<li>deploy/base/kustomization.yaml</li>');
});

it('says so for an empty repository, and answers 404 for a repository that does not exist', async () => {
  await octokit.repos.createInOrg({ org: 'acme', name: 'empty-page' });
  expect(await (await fetch(`${gh.url}/acme/empty-page`)).text()).toContain('This repository is empty.');
  expect((await fetch(`${gh.url}/acme/no-such-repo`)).status).toBe(404);
  expect((await fetch(`${gh.url}/acme/web-page/blob/main/README.md`)).status).toBe(404);
});
