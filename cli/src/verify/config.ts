import fs from 'node:fs';
import YAML from 'yaml';
import { CHECK_NAMES } from './checks';
import { VerifyConfig } from './types';
import { isRecord } from './util';

/**
 * Reads a verify config such as `.golden-path-verify.yaml`:
 *
 *   rules:
 *     pdb-present: { enabled: false, reason: "single-replica cache, drains are fine" }
 *
 * A check can only be switched off, and only with a reason (it is printed in
 * the report, so the exception stays visible). Unknown check names are an
 * error rather than ignored: a misspelt name would otherwise leave the rule on
 * while its author believes it off (or the reverse, after a rename).
 */
export function loadVerifyConfig(file: string): VerifyConfig {
  const text = fs.readFileSync(file, 'utf8');
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length)
    throw new Error(`${file}: not valid YAML: ${doc.errors.map(e => e.message.split('\n')[0]).join('; ')}`);
  return validateVerifyConfig(doc.toJS(), file);
}

/** Checks a config object (from a file or passed in code); throws one error listing every problem. */
export function validateVerifyConfig(raw: unknown, source = 'verify config'): VerifyConfig {
  if (raw === null || raw === undefined) return {};
  const problems: string[] = [];
  if (!isRecord(raw)) throw new Error(`${source}: expected a mapping with a "rules" key`);
  for (const key of Object.keys(raw))
    if (key !== 'rules') problems.push(`unknown top-level key "${key}" (only "rules")`);
  const rules: NonNullable<VerifyConfig['rules']> = {};
  if (raw.rules !== undefined && raw.rules !== null) {
    if (!isRecord(raw.rules)) {
      problems.push('"rules" must be a mapping of rule names');
    } else {
      const unknown = Object.keys(raw.rules).filter(name => !CHECK_NAMES.includes(name));
      if (unknown.length)
        problems.push(
          `unknown rule name${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${CHECK_NAMES.join(', ')})`,
        );
      for (const [name, entry] of Object.entries(raw.rules)) {
        if (unknown.includes(name)) continue;
        if (!isRecord(entry)) {
          problems.push(`rule ${name}: expected { enabled: false, reason: "..." }`);
          continue;
        }
        for (const key of Object.keys(entry))
          if (key !== 'enabled' && key !== 'reason') problems.push(`rule ${name}: unknown key "${key}"`);
        if (entry.enabled !== false)
          problems.push(`rule ${name}: only "enabled: false" can be set (rules are on unless switched off)`);
        if (typeof entry.reason !== 'string' || !entry.reason.trim())
          problems.push(
            `rule ${name} is switched off without a reason: add reason: "<why this repository is an exception>"`,
          );
        else rules[name] = { enabled: false, reason: entry.reason.trim() };
      }
    }
  }
  if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
  return { rules };
}
