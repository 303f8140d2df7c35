/** Helpers shared by the git, contents and commits routes. */
import { Ctx } from '../context';
import { emptyRepository, notFound, unprocessable } from '../errors';
import { GitStore, Ident, isSha } from '../gitObjects';
import { RepoRecord } from '../state';

/** Git Data API calls on a repository nobody has pushed to answer 409 "Git Repository is empty."
 * (reported in github/rest-api-description#637 and widely observed). */
export function gitDataRepo(ctx: Ctx, access: 'read' | 'write'): RepoRecord {
  const { state, viewer, params } = ctx;
  const repo =
    access === 'read'
      ? state.repoForRead(viewer, params.owner, params.repo)
      : state.repoForWrite(viewer, params.owner, params.repo);
  if (repo.git.isEmpty()) throw emptyRepository();
  return repo;
}

/** Follows annotated tags down to what they point at. */
export function peel(git: GitStore, sha: string): string | undefined {
  let current = sha;
  for (let i = 0; i < 10; i++) {
    const obj = git.readObject(current);
    if (!obj) return undefined;
    if (obj.type !== 'tag') return current;
    const m = /^object ([0-9a-f]{40})$/m.exec(obj.content.toString());
    if (!m) return undefined;
    current = m[1];
  }
  return undefined;
}

/** Branch name, tag name, fully qualified ref, or full commit sha → commit sha. */
export function resolveCommitish(repo: RepoRecord, spec: string): string | undefined {
  const git = repo.git;
  // documented forms: a branch or tag name, heads/<branch>, tags/<tag>, a full ref, a commit sha
  const candidates = spec.startsWith('refs/')
    ? [spec]
    : /^(heads|tags)\//.test(spec)
      ? [`refs/${spec}`, `refs/heads/${spec}`, `refs/tags/${spec}`]
      : [`refs/heads/${spec}`, `refs/tags/${spec}`];
  for (const ref of candidates) {
    const sha = git.readRef(ref);
    if (sha) {
      const peeled = peel(git, sha);
      if (peeled && git.objectType(peeled) === 'commit') return peeled;
    }
  }
  if (isSha(spec) && git.objectType(spec) === 'commit') return spec;
  return undefined;
}

/** Tree sha, commit sha or ref name → tree sha (GET git/trees/{tree_sha} accepts all three). */
export function resolveTreeish(repo: RepoRecord, spec: string): string | undefined {
  const git = repo.git;
  if (isSha(spec)) {
    const peeled = peel(git, spec);
    const type = peeled && git.objectType(peeled);
    if (type === 'tree') return peeled;
    if (type === 'commit') return git.readCommit(peeled!)!.tree;
  }
  const commit = resolveCommitish(repo, spec);
  return commit ? git.readCommit(commit)!.tree : undefined;
}

/** ISO 8601 with offset → git ident time + timezone (GitHub keeps the offset in the object). */
export function parseDate(date: string): { time: number; tzOffset: number } {
  const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|([+-])(\d\d):?(\d\d))$/i.exec(date);
  const ms = Date.parse(date);
  if (!m || Number.isNaN(ms))
    throw unprocessable(`Invalid request.\n\n${JSON.stringify(date)} is not a valid date-time.`);
  const tzOffset = m[1].toUpperCase() === 'Z' ? 0 : (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4]));
  return { time: Math.floor(ms / 1000), tzOffset };
}

export function identFromInput(
  input: { name?: string; email?: string; date?: string } | undefined,
  fallback: Ident,
): Ident {
  if (!input) return fallback;
  const when = input.date ? parseDate(input.date) : { time: fallback.time, tzOffset: fallback.tzOffset };
  const ident = { name: input.name ?? fallback.name, email: input.email ?? fallback.email, ...when };
  if (/[<>\n]/.test(ident.name) || /[<>\n]/.test(ident.email)) {
    throw unprocessable('Invalid request.\n\nauthor/committer name and email must not contain "<", ">" or newlines.');
  }
  return ident;
}

/** Workflow files need the 'workflow' scope; GitHub answers 404 without it (octokit.rb#1184,
 * gr2m/octokit-plugin-create-pull-request#104, terraform-provider-github#633). */
export function requireWorkflowScope(ctx: Ctx, paths: string[]): void {
  const inst = ctx.viewer.installation;
  if (inst ? inst.permissions.workflows === 'write' : ctx.viewer.scopes.includes('workflow')) return;
  if (paths.some(p => p === '.github/workflows' || p.startsWith('.github/workflows/'))) throw notFound();
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

export function decodeBase64(text: string, field = 'content'): Buffer {
  if (!BASE64.test(text)) throw unprocessable(`${field} is not valid Base64`);
  return Buffer.from(text, 'base64');
}
