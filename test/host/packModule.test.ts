import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packModule } from './packModule';

/** A small package folder; `files` maps paths to contents. */
function fixturePackage(packageJson: object, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-fixture-'));
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ version: '1.0.0', files: ['dist'], ...packageJson }),
  );
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function pack(packageJson: object, files: Record<string, string>) {
  const packageDir = fixturePackage(packageJson, files);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-out-'));
  dirs.push(packageDir, outDir);
  return packModule({ packageDir, outDir });
}

it('passes a package whose dependencies are what its JavaScript and declarations import', () => {
  const packed = pack(
    { name: 'fixture-clean', dependencies: { '@backstage/errors': '^1', '@backstage/config': '^1' } },
    {
      'dist/index.js': 'const errors_1 = require("@backstage/errors");\nconst local = require("./util");\n',
      'dist/util.js': 'const fs = require("node:fs");\n',
      'dist/index.d.ts': "import { Config } from '@backstage/config';\n",
    },
  );
  expect(packed.problems).toEqual([]);
  expect(fs.existsSync(packed.tarball)).toBe(true);
  expect(packed.files).toEqual(['dist/index.d.ts', 'dist/index.js', 'dist/util.js', 'package.json']);
  expect(packed.runtimeImports).toEqual(['@backstage/errors']);
  expect(packed.typeImports).toEqual(['@backstage/config']);
});

it('names CLI code, tests and dependencies that differ from the imports', () => {
  const packed = pack(
    {
      name: 'fixture-leaky',
      bin: { 'golden-path': 'dist/main.js' },
      configSchema: 'config.d.ts', // and not in "files"
      dependencies: { '@backstage/errors': '^1', 'kubernetes-models': '^4' },
    },
    {
      'dist/index.js': 'require("@backstage/errors"); require("yaml");\n',
      'dist/main.js': 'require("./index");\n', // cli/src/main.ts, compiled into the module
      'dist/index.test.js': 'require("./index");\n',
      'dist/index.d.ts': "import { JsonObject } from '@backstage/types';\n",
    },
  );
  expect(packed.problems).toEqual([
    'package.json has "bin" {"golden-path":"dist/main.js"}',
    'ships dist/main.js, compiled CLI code (cli/src/main.ts)',
    'imports @backstage/types, which is not in "dependencies"',
    'imports yaml, which is not in "dependencies"',
    '"dependencies" lists kubernetes-models, which no code imports',
    'ships the test file dist/index.test.js',
    '"configSchema" names config.d.ts, which the package does not ship',
    '"configSchema" is config.d.ts: every backend would compile it with TypeScript at start-up',
  ]);
});
