/**
 * CI that cannot be skipped or fooled (issue 15): the workflow runs what CI
 * runs on every pull request, and the type-check that lint runs covers the
 * tests (Jest strips types through SWC, so nothing else would notice a test
 * that no longer type-checks).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import YAML from 'yaml';
import { REPO_ROOT } from './support/rendered';

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
const BROWSER_APP = 'test/browser/app';

/** Repository-relative paths of the files git tracks (or would track) matching a pathspec. */
const gitFiles = (pathspec: string) =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', pathspec], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);

/** Repository-relative paths of the files a parsed tsconfig compiles. */
const compiledFiles = (parsed: ts.ParsedCommandLine) =>
  new Set(parsed.fileNames.map(f => path.relative(REPO_ROOT, f).split(path.sep).join('/')));

describe('.github/workflows/golden-path.yml', () => {
  const workflow = YAML.parse(read('.github/workflows/golden-path.yml'));

  test('runs on every pull request: no path filter can leave out a change to the tests or the CI config', () => {
    expect(Object.keys(workflow.on)).toContain('pull_request');
    const filters = workflow.on.pull_request ?? {};
    expect({ paths: filters.paths, 'paths-ignore': filters['paths-ignore'] }).toEqual({
      paths: undefined,
      'paths-ignore': undefined,
    });
  });

  test('runs .ci/run, so CI and the workflow cannot drift apart', () => {
    const runs = Object.values<any>(workflow.jobs).flatMap(job => job.steps.map((s: any) => s.run).filter(Boolean));
    expect(runs).toContain('bash .ci/run');
  });
});

describe('.ci/run', () => {
  const script = read('.ci/run');

  test('runs the fast suite, lint, and the property tests once more on a fresh seed it prints', () => {
    expect(script).toMatch(/^npm test$/m);
    expect(script).toMatch(/^npm run lint$/m);
    expect(script).toMatch(/fc_seed=.*\/dev\/urandom/);
    expect(script).toMatch(/^echo "fresh seed: .*"$/m);
  });
});

describe('tsc --noEmit', () => {
  test('is part of npm run lint, over tsconfig.json', () => {
    const lint: string = JSON.parse(read('package.json')).scripts.lint;
    expect(lint.split('&&').map(s => s.trim())).toContain('tsc --noEmit -p tsconfig.json');
  });

  test('tsconfig.json covers every TypeScript file under test/, src/ and cli/src/', () => {
    const config = ts.readConfigFile(path.join(REPO_ROOT, 'tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
    expect(parsed.errors).toEqual([]);
    const covered = compiledFiles(parsed);
    const tracked = gitFiles('*.ts')
      .filter(f => /^(test|src|cli\/src)\//.test(f) && !f.endsWith('.d.ts'))
      // The browser suite's Backstage app is its own Yarn project, type-checked by its own tsconfig.json.
      .filter(f => !f.startsWith(`${BROWSER_APP}/`));
    expect(tracked.filter(f => f.startsWith('test/')).length).toBeGreaterThan(10);
    expect(tracked.filter(f => !covered.has(f))).toEqual([]);
    // …and none of them opts out of the check.
    expect(tracked.filter(f => /^\s*\/\/\s*@ts-nocheck/m.test(read(f)))).toEqual([]);
  });

  test("the browser fixture app's TypeScript is covered by the app's own tsconfig.json", () => {
    const appRoot = path.join(REPO_ROOT, BROWSER_APP);
    const config = ts.readConfigFile(path.join(appRoot, 'tsconfig.json'), ts.sys.readFile);
    // Only the include/exclude globs matter here: the app's base config lives in its own node_modules.
    const parsed = ts.parseJsonConfigFileContent(
      { include: config.config.include, exclude: config.config.exclude },
      ts.sys,
      appRoot,
    );
    const covered = compiledFiles(parsed);
    const tracked = gitFiles(BROWSER_APP).filter(
      f => /\.tsx?$/.test(f) && !f.endsWith('.d.ts') && !f.includes('/node_modules/'),
    );
    expect(tracked.length).toBeGreaterThan(0);
    expect(tracked.filter(f => !covered.has(f))).toEqual([]);
  });
});
