/**
 * Backstage's own config validation, run inside a host project: the host's
 * `@backstage/config-loader` collects the config schemas of installed packages
 * (as the backend does at start-up) and processes app-configs against them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { JsonObject } from '@backstage/types';

export type ConfigCheck = {
  /** Whether the schemas accepted the config; `error` is config-loader's message. */
  ok: boolean;
  error?: string;
  /** What a reader with these visibilities sees (e.g. `['frontend']`: what reaches the browser). */
  visible: JsonObject;
};

export type ConfigSchemaReport = {
  /** The schema files collected, relative to the project (e.g. `node_modules/<pkg>/config.schema.json`). */
  schemaPaths: string[];
  /** Problems config-loader reported while collecting (a .d.ts it could not compile, say). */
  schemaErrors: string[];
  checks: ConfigCheck[];
};

// Runs in the host project with its own node_modules; input on stdin, report on stdout.
const SCRIPT = `
const { loadConfigSchema } = require(require.resolve('@backstage/config-loader', { paths: [process.cwd()] }));
const path = require('node:path');
let input = '';
process.stdin.on('data', chunk => (input += chunk)).on('end', async () => {
  const { packagePaths, configs } = JSON.parse(input);
  const schemaErrors = [];
  const schema = await loadConfigSchema({
    dependencies: [],
    packagePaths,
    onSchemaError: e => schemaErrors.push(e.message),
  });
  const schemaPaths = schema.serialize().schemas.map(s => path.relative(process.cwd(), path.resolve(s.path)));
  const checks = configs.map(({ data, visibility }) => {
    const appConfigs = [{ data, context: 'app-config.yaml' }];
    try {
      schema.process(appConfigs);
    } catch (error) {
      return { ok: false, error: error.message, visible: {} };
    }
    const [visible] = schema.process(appConfigs, { visibility });
    return { ok: true, visible: visible ? visible.data : {} };
  });
  process.stdout.write(JSON.stringify({ schemaPaths, schemaErrors, checks }));
});
`;

/**
 * Collects the config schemas of the packages whose package.json files are given
 * (and of their dependencies, as installed in `projectDir`), the way the backend
 * does at start-up, and validates each config; `visibility` defaults to all three.
 */
export async function checkConfigAgainstSchemas(
  projectDir: string,
  packagePaths: string[],
  configs: Array<{ data: JsonObject; visibility?: Array<'frontend' | 'backend' | 'secret'> }>,
): Promise<ConfigSchemaReport> {
  const child = promisify(execFile)(process.execPath, ['-e', SCRIPT], { cwd: projectDir, maxBuffer: 16 << 20 });
  child.child.stdin!.end(
    JSON.stringify({
      packagePaths,
      configs: configs.map(c => ({ data: c.data, visibility: c.visibility ?? ['frontend', 'backend', 'secret'] })),
    }),
  );
  const { stdout } = await child;
  return JSON.parse(stdout);
}
