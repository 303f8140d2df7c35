import { JsonObject } from '@backstage/types';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { EmbeddedScaffolder } from './dryrun/embeddedScaffolder';
import { DryRunResult, postDryRun } from './dryrun/postDryRun';
import { applyParameterDefaults } from './dryrun/parameterDefaults';
import { loadTemplateBundle, TemplateBundle } from './dryrun/templateBundle';
import { formatTree, writeDryRunOutput } from './dryrun/writeOutput';
import {
  DEFAULT_PLATFORM,
  DEFAULT_TEMPLATE,
  DEFAULT_VALUES,
  DEFAULT_VERIFY_CONFIG,
  REMOTE_TOKEN_ENV,
} from './dryRunHelp';
import type { VerifyConfig, VerifyReport } from './verify';
import { loadVerifyConfig } from './verify/config';
import { templateRepoTopics } from './verify/platform/defaults';

export { DRY_RUN_HELP, REMOTE_TOKEN_ENV } from './dryRunHelp';

/** The module package ships the template, the skeleton and the examples: the defaults when cwd has none. */
const MODULE_ROOT = path.dirname(
  require.resolve('@goldenpathidp/plugin-scaffolder-backend-module-stateful-app/package.json'),
);
export type DryRunCommandOptions = {
  valuesFiles: string[];
  template?: string;
  platform?: string;
  out?: string;
  json: boolean;
  verify: boolean;
  runApp: boolean;
  verifyConfig?: string;
  remote?: string;
  force: boolean;
  cwd?: string;
  /** A running embedded scaffolder to use (and leave running), for callers that run many dry-runs. */
  scaffolder?: EmbeddedScaffolder;
  stdout(text: string): void;
  stderr(text: string): void;
};

export type ValuesFileResult = {
  valuesFile: string;
  name?: string;
  ok: boolean;
  errors: string[];
  defaulted: string[];
  outDir?: string;
  files: string[];
  steps: Array<{ id: string; name: string; log: string[] }>;
  verify?: VerifyReport;
  /** Wall-clock milliseconds: rendering (including the backend's start for the first file), verification, in all. */
  timing?: { renderMs: number; verifyMs: number; totalMs: number };
};

export async function runDryRunCommand(opts: DryRunCommandOptions): Promise<number> {
  const cwd = opts.cwd ?? process.cwd();
  const say = (text: string) => {
    if (!opts.json) opts.stdout(`${text}\n`);
  };
  const resolveInput = (file: string) => {
    const fromCwd = path.resolve(cwd, file);
    return fs.existsSync(fromCwd) ? fromCwd : path.resolve(MODULE_ROOT, file);
  };

  const templateFile = resolveInput(opts.template ?? DEFAULT_TEMPLATE);
  const valuesFiles = (opts.valuesFiles.length ? opts.valuesFiles : [DEFAULT_VALUES]).map(resolveInput);
  // The platform folder sits beside templates/ and skeleton/ (templates/<name>/template.yaml → ../../platform).
  const besideTemplate = path.resolve(path.dirname(templateFile), '../..', DEFAULT_PLATFORM);
  const platformDir = opts.platform
    ? path.resolve(cwd, opts.platform)
    : fs.existsSync(besideTemplate)
      ? besideTemplate
      : resolveInput(DEFAULT_PLATFORM);
  for (const file of [templateFile, ...valuesFiles, ...(opts.verify ? [platformDir] : [])]) {
    if (!fs.existsSync(file)) {
      opts.stderr(`golden-path: ${file} does not exist\n`);
      return 2;
    }
  }
  let verifyConfig: VerifyConfig | undefined;
  const verifyConfigFile =
    opts.verifyConfig ?? (fs.existsSync(path.resolve(cwd, DEFAULT_VERIFY_CONFIG)) ? DEFAULT_VERIFY_CONFIG : undefined);
  if (verifyConfigFile && opts.verify) {
    try {
      verifyConfig = loadVerifyConfig(path.resolve(cwd, verifyConfigFile));
    } catch (error) {
      opts.stderr(`golden-path: ${verifyConfigFile}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  let remoteToken: string | undefined;
  if (opts.remote) {
    remoteToken = process.env[REMOTE_TOKEN_ENV];
    if (!remoteToken) {
      opts.stderr(`golden-path: --remote needs a Backstage token in $${REMOTE_TOKEN_ENV}\n`);
      return 2;
    }
  }

  const bundle = loadTemplateBundle(templateFile);
  say(
    `Template ${displayPath(cwd, templateFile)} (${bundle.template.metadata.name}), ${valuesFiles.length} values file(s)`,
  );
  let scaffolder: EmbeddedScaffolder | undefined = opts.scaffolder;
  const dryRun = async (values: JsonObject): Promise<DryRunResult> => {
    if (opts.remote) {
      return postDryRun(
        `${opts.remote.replace(/\/+$/, '')}/api/scaffolder`,
        bundle,
        values,
        {},
        {
          authorization: `Bearer ${remoteToken}`,
        },
      );
    }
    if (!scaffolder) {
      const started = Date.now();
      // Loaded here, not at start-up: --remote and --help never need the scaffolder.
      const { startEmbeddedScaffolder } = await import('./dryrun/embeddedScaffolder');
      scaffolder = await startEmbeddedScaffolder();
      say(`Started the embedded scaffolder in ${Date.now() - started} ms`);
    }
    return scaffolder.dryRun(bundle, values);
  };

  // Rendering goes through the one scaffolder, file after file; each file's verification
  // (kustomize builds, app processes on their own free ports) runs while the next renders.
  // Each file's output is kept and printed in order.
  const runs: Array<{ lines: string[]; result: Promise<ValuesFileResult> }> = [];
  const verifying = new Map<string, Promise<unknown>>();
  try {
    for (const valuesFile of valuesFiles) {
      const lines: string[] = [];
      const { finished } = await runOne({
        valuesFile,
        bundle,
        dryRun,
        opts,
        cwd,
        verifyConfig,
        platformDir,
        repoTopics: templateRepoTopics(templateFile) ?? [],
        multiple: valuesFiles.length > 1,
        verifying,
        say: text => lines.push(text),
      });
      runs.push({ lines, result: finished });
    }
  } finally {
    if (!opts.scaffolder) await (scaffolder as EmbeddedScaffolder | undefined)?.stop();
  }
  const results: ValuesFileResult[] = [];
  for (const run of runs) {
    results.push(await run.result);
    say(run.lines.join('\n'));
  }

  const ok = results.every(r => r.ok);
  if (opts.json) {
    opts.stdout(`${JSON.stringify({ ok, template: templateFile, results }, null, 2)}\n`);
  } else {
    say(`\n${results.filter(r => r.ok).length} of ${results.length} values file(s) passed`);
  }
  return ok ? 0 : 1;
}

/**
 * Renders one values file and writes the repository; resolves once rendered,
 * with `finished`: the result once verified.
 */
async function runOne(args: {
  valuesFile: string;
  bundle: TemplateBundle;
  dryRun(values: JsonObject): Promise<DryRunResult>;
  opts: DryRunCommandOptions;
  cwd: string;
  verifyConfig?: VerifyConfig;
  platformDir: string;
  repoTopics: string[];
  multiple: boolean;
  /** Output folders still being verified: a later values file with the same name waits before writing. */
  verifying: Map<string, Promise<unknown>>;
  say(text: string): void;
}): Promise<{ finished: Promise<ValuesFileResult> }> {
  const { valuesFile, bundle, opts, cwd, say } = args;
  const label = displayPath(cwd, valuesFile);
  say(`\n== ${label}`);
  const started = Date.now();
  const result: ValuesFileResult = { valuesFile: label, ok: false, errors: [], defaulted: [], files: [], steps: [] };
  const timing = (result.timing = { renderMs: 0, verifyMs: 0, totalMs: 0 });
  /** Every way out of a values file ends with its timing line. */
  const done = (): ValuesFileResult => {
    timing.totalMs = Date.now() - started;
    say(
      `  time: ${label} rendered in ${timing.renderMs} ms, verified in ${timing.verifyMs} ms, ${timing.totalMs} ms in all`,
    );
    return result;
  };

  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(valuesFile, 'utf8'));
  } catch (error) {
    result.errors.push(`${label} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (!result.errors.length && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    result.errors.push(`${label} must hold a mapping of form field names to values`);
  }
  if (result.errors.length) {
    say(result.errors.map(e => `  ✖ ${e}`).join('\n'));
    return { finished: Promise.resolve(done()) };
  }
  const { values, defaulted } = applyParameterDefaults(bundle.template, raw as Record<string, unknown>);
  result.defaulted = defaulted;
  if (defaulted.length) say(`  defaults applied for: ${defaulted.join(', ')}`);

  const renderStarted = Date.now();
  let dry: DryRunResult;
  try {
    dry = await args.dryRun(values as JsonObject);
  } catch (error) {
    // The scaffolder could not be reached or did not start: this file fails, the others still run.
    result.errors.push(`the dry-run did not run: ${(error as Error).message}`);
    say(`  ✖ ${result.errors[0]}`);
    return { finished: Promise.resolve(done()) };
  }
  timing.renderMs = Date.now() - renderStarted;
  if (!dry.ok) {
    result.errors = dry.errors;
    say(`  ✖ the scaffolder rejected the values (HTTP ${dry.status}):`);
    say(dry.errors.map(e => `    ${e.replace(/\n/g, '\n    ')}`).join('\n'));
    return { finished: Promise.resolve(done()) };
  }
  result.steps = dry.steps.map(step => ({
    id: step.id,
    name: step.name,
    log: dry.log.filter(l => l.stepId === step.id).map(l => stripAnsi(l.message ?? '')),
  }));
  for (const step of result.steps) {
    const skipped = step.log.some(l => /Skipping because .* does not support dry-run/.test(l));
    say(`  ${skipped ? '–' : '✔'} ${step.name} (${step.id})${skipped ? ' skipped: no dry-run support' : ''}`);
  }

  const name = String(values.component_id ?? path.basename(valuesFile).replace(/\.(ya?ml|json)$/, ''));
  result.name = name;
  const outDir = args.opts.out
    ? path.resolve(cwd, args.opts.out, args.multiple ? name : '')
    : path.resolve(cwd, 'out', name);
  // Inside the default out/ folder we own the contents; elsewhere only with --force.
  const replace = opts.force || !args.opts.out;
  await args.verifying.get(outDir);
  try {
    await writeDryRunOutput(dry.files, outDir, replace);
  } catch (error) {
    result.errors.push((error as Error).message);
    say(`  ✖ ${(error as Error).message}`);
    return { finished: Promise.resolve(done()) };
  }
  result.outDir = displayPath(cwd, outDir);
  result.files = dry.files.map(f => f.path).sort();
  say(`  wrote ${result.files.length} files:`);
  say(formatTree(result.outDir, result.files).replace(/^/gm, '    '));

  if (!opts.verify) {
    result.ok = true;
    return { finished: Promise.resolve(done()) };
  }
  const verifyStarted = Date.now();
  const { formatReport, verifyGeneratedRepo } = await import('./verify');
  const finished = verifyGeneratedRepo(outDir, {
    config: args.verifyConfig,
    runApp: opts.runApp,
    platformDir: args.platformDir,
    repoTopics: args.repoTopics,
  })
    .then(
      report => {
        result.verify = report;
        say(formatReport(report).replace(/^/gm, '  '));
        result.ok = report.ok;
      },
      error => {
        result.errors.push(`verification failed to run: ${(error as Error).message}`);
        say(`  ✖ ${result.errors[result.errors.length - 1]}`);
      },
    )
    .then(() => {
      timing.verifyMs = Date.now() - verifyStarted;
      return done();
    });
  args.verifying.set(outDir, finished);
  return { finished };
}

/** Relative to the working folder when inside it, absolute otherwise. */
function displayPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') ? relative : file;
}

const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
