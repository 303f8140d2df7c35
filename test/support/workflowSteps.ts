/**
 * Runs `run:` steps of a GitHub Actions workflow for real, the way a runner
 * does: bash with `--noprofile --norc -eo pipefail`, the step's `env:` with
 * its `${{ }}` expressions evaluated from given contexts, GITHUB_OUTPUT and
 * RUNNER_TEMP files. Only property paths, `a || b` and `x != ''` are
 * evaluated; any other expression fails the test rather than being guessed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export type Contexts = Record<string, unknown>;
export type StepResult = { code: number; stdout: string; stderr: string; outputs: Record<string, string> };

export function workflowStep(file: string, job: string, id: string): { run: string; env: Record<string, string> } {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  const step = (doc.jobs?.[job]?.steps ?? []).find((s: any) => s.id === id);
  if (!step || typeof step.run !== 'string') throw new Error(`${file}: job ${job} has no run step with id ${id}`);
  if (step.shell !== 'bash') throw new Error(`step ${id} does not run in bash`);
  return { run: step.run, env: { ...(doc.jobs[job].env ?? {}), ...(step.env ?? {}) } };
}

function value(expr: string, contexts: Contexts): unknown {
  const e = expr.trim();
  const or = e.split('||');
  if (or.length > 1) {
    for (const part of or) {
      const v = value(part, contexts);
      if (v !== '' && v !== undefined && v !== null && v !== false) return v;
    }
    return '';
  }
  const ne = /^(.+?)\s*!=\s*''$/.exec(e);
  if (ne) {
    const v = value(ne[1], contexts);
    return v !== '' && v !== undefined && v !== null;
  }
  if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(e)) throw new Error(`expression not supported in tests: ${e}`);
  const [head, ...keys] = e.split('.');
  if (!(head in contexts)) throw new Error(`context ${head} not given (expression ${e})`);
  let v: any = contexts[head];
  for (const k of keys) v = v?.[k];
  return v ?? '';
}

export function evaluate(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expr) => String(value(expr, contexts)));
}

export function runStep(
  step: { run: string; env: Record<string, string> },
  options: { cwd: string; contexts: Contexts; pathPrefix?: string[] },
): StepResult {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-'));
  const outputFile = path.join(temp, 'output');
  const script = path.join(temp, 'step.sh');
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(script, step.run);
  const env: Record<string, string> = {
    PATH: [...(options.pathPrefix ?? []), process.env.PATH ?? ''].join(path.delimiter),
    HOME: temp,
    GITHUB_OUTPUT: outputFile,
    RUNNER_TEMP: temp,
    GIT_CONFIG_NOSYSTEM: '1',
  };
  for (const [k, v] of Object.entries(step.env)) env[k] = evaluate(String(v), options.contexts);
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: options.cwd,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const outputs: Record<string, string> = {};
  for (const line of fs.readFileSync(outputFile, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  fs.rmSync(temp, { recursive: true, force: true });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, outputs };
}
