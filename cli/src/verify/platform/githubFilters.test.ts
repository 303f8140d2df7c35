import { filterPatternRegExp, matchesFilters, pushStartsWorkflow } from './githubFilters';

describe('GitHub filter patterns', () => {
  it.each([
    ['*.js', 'app.js', true],
    ['*.js', 'js/index.js', false],
    ['**.js', 'js/deep/index.js', true],
    ['docs/*', 'docs/README.md', true],
    ['docs/*', 'docs/a/README.md', false],
    ['docs/**', 'docs/a/README.md', true],
    ['**/docs/**', 'x/docs/a.md', true],
    ['deploy/**', 'deploy/overlays/dev/kustomization.yaml', true],
    ['deploy/**', 'deployment.yaml', false],
    ['*.jsx?', 'page.js', true],
    ['*.jsx?', 'page.jsx', true],
    ['[CB]at.txt', 'Cat.txt', true],
    ['[CB]at.txt', 'Hat.txt', false],
    ['v2*', 'v2.1', true],
    ['catalog-info.yaml', 'catalog-info.yaml', true],
    ['catalog-info.yaml', 'catalog-infoxyaml', false],
    ['feature/*', 'feature/a/b', false],
  ])('%s against %s', (pattern, value, expected) => expect(filterPatternRegExp(pattern).test(value)).toBe(expected));

  it('lets the last matching pattern win', () => {
    expect(matchesFilters('docs/a.md', ['docs/**', '!docs/*.md'])).toBe(false);
    expect(matchesFilters('docs/a.md', ['!docs/*.md', 'docs/**'])).toBe(true);
  });
});

describe('pushStartsWorkflow', () => {
  const on = { push: { branches: ['main'], 'paths-ignore': ['deploy/**', '**.md'] }, workflow_dispatch: {} };
  it('ignores a push that only touches ignored paths', () => {
    expect(pushStartsWorkflow(on, 'main', ['deploy/overlays/dev/kustomization.yaml', 'README.md'])).toEqual({
      runs: false,
      reason: 'every changed file is covered by paths-ignore',
    });
  });
  it('runs when one file is not ignored', () => {
    expect(pushStartsWorkflow(on, 'main', ['deploy/x.yaml', 'app.py']).runs).toBe(true);
  });
  it('does not run on other branches', () => {
    expect(pushStartsWorkflow(on, 'feature/x', ['app.py'])).toMatchObject({ runs: false });
  });
  it('runs on every change without a path filter, and on the string and list forms', () => {
    expect(pushStartsWorkflow({ push: { branches: ['main'] } }, 'main', ['deploy/a.yaml']).runs).toBe(true);
    expect(pushStartsWorkflow('push', 'main', ['deploy/a.yaml']).runs).toBe(true);
    expect(pushStartsWorkflow(['push', 'pull_request'], 'main', ['deploy/a.yaml']).runs).toBe(true);
    expect(pushStartsWorkflow({ workflow_dispatch: {} }, 'main', ['app.py']).runs).toBe(false);
  });
  it('with paths, runs only when a changed file matches', () => {
    const paths = { push: { paths: ['app.py', 'Dockerfile'] } };
    expect(pushStartsWorkflow(paths, 'main', ['deploy/overlays/dev/release.yaml']).runs).toBe(false);
    expect(pushStartsWorkflow(paths, 'main', ['Dockerfile']).runs).toBe(true);
  });
});
