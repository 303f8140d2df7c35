import { dependencyProblems, importedPackages, packageNameOf } from './packageImports';

describe('importedPackages', () => {
  it('finds what compiled CommonJS requires, by package name', () => {
    const source = [
      '/** backend.add(import("@in/a-comment")) */',
      '// const old = require("commented-out");',
      '"use strict";',
      'const backend_plugin_api_1 = require("@backstage/backend-plugin-api");',
      "const alpha_1 = require('@backstage/plugin-scaffolder-node/alpha');",
      'const yaml_1 = __importDefault(require("yaml"));',
      'const lazy = Promise.resolve().then(() => __importStar(require("p-retry")));',
      'const later = import("@octokit/rest");',
      'const local = require("./github/client");',
      'const fs = require("node:fs"); const path = require("path"); const sp = require("fs/promises");',
      'throw new Error("read from \'catalog-info.yaml\'"); const glob = "**/*.yaml"; const text = "require(\'in-a-string\')";',
      'const afterTheGlob = require("bottleneck");',
    ].join('\n');
    expect(importedPackages(source)).toEqual([
      '@backstage/backend-plugin-api',
      '@backstage/plugin-scaffolder-node',
      '@octokit/rest',
      'bottleneck',
      'p-retry',
      'yaml',
    ]);
  });

  it('finds what declaration files import, including inline import() types', () => {
    const source = [
      "import { Config } from '@backstage/config';",
      "export { thing } from './thing';",
      "import 'side-effect-only';",
      "export declare function f(x: import('@backstage/types').JsonObject): void;",
    ].join('\n');
    expect(importedPackages(source)).toEqual(['@backstage/config', '@backstage/types', 'side-effect-only']);
  });
});

describe('packageNameOf', () => {
  it.each([
    ['@scope/name/deep/path', '@scope/name'],
    ['lodash/get', 'lodash'],
    ['yaml', 'yaml'],
    ['./local', undefined],
    ['/abs/path', undefined],
    ['node:crypto', undefined],
    ['child_process', undefined],
  ])('%s → %s', (specifier, name) => expect(packageNameOf(specifier)).toBe(name));
});

describe('dependencyProblems', () => {
  it('names both missing and unused dependencies', () => {
    expect(dependencyProblems(['a', 'b'], ['b', 'c'])).toEqual([
      'imports c, which is not in "dependencies"',
      '"dependencies" lists a, which no code imports',
    ]);
  });

  it('is empty when they match', () => {
    expect(dependencyProblems(['a', 'b'], ['b', 'a'])).toEqual([]);
  });
});
