/**
 * GitHub Actions filter patterns (branches, tags, paths) and whether a push
 * starts a workflow, as GitHub's "filter pattern cheat sheet" describes them:
 * `*` any characters except `/`, `**` any characters, `?` and `+` zero-or-one
 * and one-or-more of the preceding character, `[]` a character set, and a
 * leading `!` to exclude what earlier patterns included (the last match wins).
 */
import { asArray, isRecord } from '../util';

export function filterPatternRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (ch === '?' || ch === '+') {
      out += ch;
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += ch.replace(/[.^$(){}|\\/]/g, m => `\\${m}`);
  }
  return new RegExp(`^${out}$`);
}

/** Patterns in order, each possibly negated: is the value included? (last matching pattern wins) */
export function matchesFilters(value: string, patterns: string[]): boolean {
  let included = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    if (filterPatternRegExp(negated ? raw.slice(1) : raw).test(value)) included = !negated;
  }
  return included;
}

export type PushDecision = { runs: boolean; reason: string };

/**
 * Would a push of these changed files to this branch start the workflow (its
 * `on:` value)? Only the push trigger's branch and path filters are evaluated;
 * commit-message skip instructions are not.
 */
export function pushStartsWorkflow(on: unknown, branch: string, changedFiles: string[]): PushDecision {
  const push = isRecord(on)
    ? on.push
    : Array.isArray(on)
      ? on.includes('push')
        ? null
        : undefined
      : on === 'push'
        ? null
        : undefined;
  if (push === undefined) return { runs: false, reason: 'the workflow has no push trigger' };
  const filters = isRecord(push) ? push : {};
  const branches = asArray(filters.branches).map(String);
  const branchesIgnore = asArray(filters['branches-ignore']).map(String);
  if (branches.length && !matchesFilters(branch, branches))
    return { runs: false, reason: `branch ${branch} is not in branches` };
  if (branchesIgnore.length && matchesFilters(branch, branchesIgnore))
    return { runs: false, reason: `branch ${branch} is in branches-ignore` };
  const paths = asArray(filters.paths).map(String);
  const pathsIgnore = asArray(filters['paths-ignore']).map(String);
  if (paths.length) {
    const hit = changedFiles.find(f => matchesFilters(f, paths));
    return hit
      ? { runs: true, reason: `${hit} matches paths` }
      : { runs: false, reason: 'no changed file matches paths' };
  }
  if (pathsIgnore.length) {
    const kept = changedFiles.find(f => !matchesFilters(f, pathsIgnore));
    return kept
      ? { runs: true, reason: `${kept} is not covered by paths-ignore` }
      : { runs: false, reason: 'every changed file is covered by paths-ignore' };
  }
  return { runs: true, reason: 'the push trigger has no path filter' };
}
