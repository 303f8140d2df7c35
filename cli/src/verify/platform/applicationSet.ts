/**
 * An offline run of an Argo CD ApplicationSet against one repository: the
 * generators the golden path uses (scmProvider for GitHub with its filters,
 * git files and directories, list, matrix, post selectors) produce the
 * parameters Argo CD would produce for this repository, and the template is
 * rendered with them into Applications. Whatever it cannot evaluate is
 * reported as such, never guessed.
 */
import { labelSelectorMatches } from '../policy/k8s';
import { K8sObject } from '../types';
import { asArray, isRecord } from '../util';
import { renderDeep, TemplateError } from './goTemplate';

export type SimulatedRepository = {
  owner: string;
  name: string;
  branch: string;
  topics: string[];
  /** Repository-relative file → parsed YAML content (undefined when not YAML or not parsed). */
  files: Map<string, unknown>;
};

export type Simulation = {
  applications: K8sObject[];
  /** Why this repository produced no parameters, per generator (e.g. a filter did not match). */
  notes: string[];
  /** What the simulation could not evaluate: a finding, since the result is unknown. */
  unsupported: string[];
};

type Params = Record<string, unknown>;
type Generated = { params: Params[]; notes: string[]; unsupported: string[] };

export const cloneUrl = (repo: SimulatedRepository, protocol: unknown) =>
  protocol === 'https'
    ? `https://github.com/${repo.owner}/${repo.name}.git`
    : `git@github.com:${repo.owner}/${repo.name}.git`;

const normalizeUrl = (url: string) =>
  url
    .trim()
    .replace(/^git@github\.com:/, 'https://github.com/')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
export const sameRepoUrl = (a: string, b: string) => normalizeUrl(a) === normalizeUrl(b);

/** Argo CD's git generator path globs (path.Match, plus `**` across folders). */
function globRegExp(glob: string): RegExp {
  const body = glob
    .split('**')
    .map(part =>
      part
        .split('*')
        .map(s => s.replace(/[.+^${}()|[\]\\?]/g, m => `\\${m}`))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${body}$`);
}

const normalized = (s: string) => s.replace(/[^a-zA-Z0-9-]/g, '-').toLowerCase();

function pathParams(file: string, isFile: boolean): Params {
  const dir = isFile ? file.split('/').slice(0, -1).join('/') : file;
  const segments = dir.split('/');
  const basename = segments[segments.length - 1] ?? '';
  const filename = isFile ? file.split('/').pop()! : '';
  return {
    path: {
      path: dir,
      basename,
      basenameNormalized: normalized(basename),
      ...(isFile ? { filename, filenameNormalized: normalized(filename) } : {}),
      segments,
    },
  };
}

function scmProvider(gen: any, repo: SimulatedRepository): Generated {
  const github = gen?.github;
  if (!isRecord(github))
    return { params: [], notes: [], unsupported: ['scmProvider without github: only GitHub is simulated'] };
  if (String(github.organization ?? '').toLowerCase() !== repo.owner.toLowerCase())
    return {
      params: [],
      notes: [`scmProvider lists organization ${github.organization}, not ${repo.owner}`],
      unsupported: [],
    };
  const filters = asArray(gen.filters);
  const failures: string[] = [];
  const passes = (f: any): boolean => {
    const why: string[] = [];
    if (f.repositoryMatch !== undefined && !new RegExp(f.repositoryMatch).test(repo.name))
      why.push(`repository name ${repo.name} does not match ${f.repositoryMatch}`);
    if (f.labelMatch !== undefined && !repo.topics.some(t => new RegExp(f.labelMatch).test(t)))
      why.push(`no topic (${repo.topics.join(', ') || 'none'}) matches labelMatch ${f.labelMatch}`);
    for (const p of asArray(f.pathsExist))
      if (![...repo.files.keys()].some(file => file === p || file.startsWith(`${String(p).replace(/\/$/, '')}/`)))
        why.push(`path ${p} does not exist (pathsExist)`);
    for (const p of asArray(f.pathsDoNotExist))
      if ([...repo.files.keys()].some(file => file === p || file.startsWith(`${String(p).replace(/\/$/, '')}/`)))
        why.push(`path ${p} exists (pathsDoNotExist)`);
    if (f.branchMatch !== undefined && !new RegExp(f.branchMatch).test(repo.branch))
      why.push(`branch ${repo.branch} does not match ${f.branchMatch}`);
    failures.push(...why);
    return why.length === 0;
  };
  if (filters.length && !filters.some(f => isRecord(f) && passes(f)))
    return {
      params: [],
      notes: [`scmProvider filters leave the repository out: ${failures.join('; ')}`],
      unsupported: [],
    };
  const sha = '0'.repeat(40);
  return {
    params: [
      {
        organization: repo.owner,
        repository: repo.name,
        repository_id: '1',
        url: cloneUrl(repo, gen.cloneProtocol),
        branch: repo.branch,
        branchNormalized: normalized(repo.branch),
        sha,
        short_sha: sha.slice(0, 8),
        short_sha_7: sha.slice(0, 7),
        labels: repo.topics,
      },
    ],
    notes: [],
    unsupported: [],
  };
}

function git(gen: any, repo: SimulatedRepository, url: string): Generated {
  if (!sameRepoUrl(String(gen.repoURL ?? ''), url))
    return { params: [], notes: [`git generator reads ${gen.repoURL}, not this repository`], unsupported: [] };
  const params: Params[] = [];
  const files = [...repo.files.keys()];
  if (Array.isArray(gen.files)) {
    const include = gen.files.filter((f: any) => !f?.exclude).map((f: any) => globRegExp(String(f?.path)));
    const exclude = gen.files.filter((f: any) => f?.exclude).map((f: any) => globRegExp(String(f?.path)));
    for (const file of files.filter(
      f => include.some((r: RegExp) => r.test(f)) && !exclude.some((r: RegExp) => r.test(f)),
    )) {
      const content = repo.files.get(file);
      for (const item of Array.isArray(content) ? content : [content])
        if (isRecord(item)) params.push({ ...item, ...pathParams(file, true) });
    }
    return {
      params,
      notes: params.length
        ? []
        : [`git files generator matches no file (${gen.files.map((f: any) => f?.path).join(', ')})`],
      unsupported: [],
    };
  }
  if (Array.isArray(gen.directories)) {
    const dirs = new Set(
      files.flatMap(f =>
        f
          .split('/')
          .slice(0, -1)
          .map((_, i, all) => all.slice(0, i + 1).join('/')),
      ),
    );
    const include = gen.directories.filter((d: any) => !d?.exclude).map((d: any) => globRegExp(String(d?.path)));
    const exclude = gen.directories.filter((d: any) => d?.exclude).map((d: any) => globRegExp(String(d?.path)));
    for (const dir of [...dirs].sort())
      if (include.some((r: RegExp) => r.test(dir)) && !exclude.some((r: RegExp) => r.test(dir)))
        params.push(pathParams(dir, false));
    return { params, notes: [], unsupported: [] };
  }
  return { params: [], notes: [], unsupported: ['git generator without files or directories'] };
}

/** Argo CD's post selector sees only top-level string parameters. */
function selected(gen: any, params: Params[]): Params[] {
  if (!isRecord(gen?.selector)) return params;
  return params.filter(p =>
    labelSelectorMatches(
      gen.selector,
      Object.fromEntries(Object.entries(p).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
    ),
  );
}

function generate(gen: any, repo: SimulatedRepository, inherited: Params): Generated {
  const url = typeof inherited.url === 'string' ? inherited.url : cloneUrl(repo, 'https');
  let out: Generated;
  if (isRecord(gen?.scmProvider)) out = scmProvider(gen.scmProvider, repo);
  else if (isRecord(gen?.git)) out = git(gen.git, repo, url);
  else if (isRecord(gen?.list))
    out = { params: asArray(gen.list.elements).filter(isRecord), notes: [], unsupported: [] };
  else if (isRecord(gen?.matrix)) {
    const [first, second, ...more] = asArray(gen.matrix.generators);
    if (!first || !second || more.length)
      return { params: [], notes: [], unsupported: ['a matrix generator needs exactly two generators'] };
    const a = generate(first, repo, inherited);
    out = { params: [], notes: [...a.notes], unsupported: [...a.unsupported] };
    for (const p of a.params) {
      let rendered: any;
      try {
        rendered = renderDeep(second, p);
      } catch (err) {
        out.unsupported.push(`matrix: the second generator does not render: ${(err as Error).message}`);
        continue;
      }
      const b = generate(rendered, repo, p);
      out.notes.push(...b.notes);
      out.unsupported.push(...b.unsupported);
      out.params.push(...b.params.map(q => ({ ...p, ...q })));
    }
  } else {
    const kind = isRecord(gen)
      ? Object.keys(gen)
          .filter(k => k !== 'selector')
          .join(', ')
      : String(gen);
    return { params: [], notes: [], unsupported: [`generator ${kind} is not simulated`] };
  }
  return { ...out, params: selected(gen, out.params) };
}

/** The Applications an ApplicationSet makes for this repository. */
export function simulateApplicationSet(appSet: K8sObject, repo: SimulatedRepository): Simulation {
  const spec = appSet.spec ?? {};
  const unsupported: string[] = [];
  if (spec.goTemplate !== true) unsupported.push('goTemplate is not true: only Go templates are simulated');
  if (spec.templatePatch !== undefined) unsupported.push('templatePatch is not simulated');
  const notes: string[] = [];
  const applications: K8sObject[] = [];
  for (const gen of asArray(spec.generators)) {
    const g = generate(gen, repo, {});
    notes.push(...g.notes);
    unsupported.push(...g.unsupported);
    for (const params of g.params) {
      try {
        const template = renderDeep(spec.template ?? {}, params);
        applications.push({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          ...template,
          metadata: {
            ...(template.metadata ?? {}),
            ...(appSet.metadata?.namespace ? { namespace: appSet.metadata.namespace } : {}),
          },
        });
      } catch (err) {
        unsupported.push(err instanceof TemplateError ? `template: ${err.message}` : String(err));
      }
    }
  }
  return { applications, notes, unsupported: [...new Set(unsupported)] };
}

/** A label selector written as a string ("a=b,c=d", the argocd/app-selector annotation) as matchLabels. */
export function parseSelectorString(selector: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of selector
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)) {
    const m = /^([^=!\s]+)\s*==?\s*(\S*)$/.exec(part);
    if (!m) return undefined;
    out[m[1]] = m[2];
  }
  return Object.keys(out).length ? out : undefined;
}
