import { GITHUB_REPO_CREATE_ACTION_ID } from '@goldenpathidp/plugin-scaffolder-backend-module-stateful-app';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { asArray, isRecord } from '../util';

/** The platform folder the module package ships beside templates/ and skeleton/. */
export function modulePlatformDir(): string {
  const pkg = require.resolve('@goldenpathidp/plugin-scaffolder-backend-module-stateful-app/package.json');
  return path.join(path.dirname(pkg), 'platform');
}

export function moduleTemplateFile(): string {
  const pkg = require.resolve('@goldenpathidp/plugin-scaffolder-backend-module-stateful-app/package.json');
  return path.join(path.dirname(pkg), 'templates/stateful-app/template.yaml');
}

/**
 * The topics a template's repository-create step gives new repositories (the
 * ApplicationSet's SCM-provider filter selects on them). Templated entries are
 * left out: they are not known before a run.
 */
export function templateRepoTopics(templateFile: string): string[] | undefined {
  if (!fs.existsSync(templateFile)) return undefined;
  const template = YAML.parse(fs.readFileSync(templateFile, 'utf8'));
  const step = asArray(template?.spec?.steps).find(s => isRecord(s) && s.action === GITHUB_REPO_CREATE_ACTION_ID);
  if (!step) return undefined;
  return asArray(step.input?.topics).filter((t): t is string => typeof t === 'string' && !t.includes('${{'));
}
