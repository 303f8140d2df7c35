import fs from 'node:fs';
import path from 'node:path';
import { validateWorkflow, ValidationError } from '@action-validator/core';
import { CheckOutcome, Finding } from './types';
import { pointerToField } from './util';

export const WORKFLOWS_DIR = '.github/workflows';

/**
 * workflow-syntax: every workflow validates against GitHub's workflow schema
 * (action-validator, compiled to WASM). A workflow GitHub cannot parse never
 * runs, and GitHub reports that only after the push.
 */
export function checkWorkflows(dir: string, files: string[]): CheckOutcome {
  const workflows = files.filter(
    f => f.startsWith(`${WORKFLOWS_DIR}/`) && !f.slice(WORKFLOWS_DIR.length + 1).includes('/') && /\.ya?ml$/.test(f),
  );
  if (workflows.length === 0) {
    return {
      status: 'fail',
      findings: [{ file: WORKFLOWS_DIR, message: 'no workflow: the golden path delivers through .github/workflows/' }],
    };
  }
  const findings: Finding[] = [];
  for (const file of workflows) {
    const state = quietly(() => validateWorkflow(fs.readFileSync(path.join(dir, file), 'utf8')));
    for (const err of state.errors) findings.push(toFinding(file, err));
  }
  return findings.length ? { status: 'fail', findings } : { status: 'pass', findings: [] };
}

function toFinding(file: string, err: ValidationError): Finding {
  const pathOf = 'path' in err && typeof err.path === 'string' ? err.path : '';
  const location =
    'location' in err && err.location ? ` (line ${err.location.line}, column ${err.location.column})` : '';
  // oneOf errors carry the reason of each alternative; the useful one is usually among the details.
  const details = new Set<string>();
  const collect = (e: ValidationError) => {
    if (e.detail) details.add(e.detail);
    if ('states' in e) for (const s of e.states ?? []) for (const inner of s.errors) collect(inner);
  };
  collect(err);
  const field = pointerToField(pathOf);
  return {
    file,
    ...(field ? { field } : {}),
    message: `${err.title}${location}${details.size ? `: ${[...details].join('; ')}` : ''}`,
  };
}

/**
 * The validator prints a warning for every paths/paths-ignore glob (it cannot
 * check globs in WASM). Those lines are not findings: keep them off the console
 * while the (synchronous) call runs.
 */
/* eslint-disable no-console -- silencing the validator's console is the point */
export function quietly<T>(fn: () => T): T {
  const { log, warn } = console;
  console.log = () => undefined;
  console.warn = () => undefined;
  try {
    return fn();
  } finally {
    console.log = log;
    console.warn = warn;
  }
}
/* eslint-enable no-console */
