/** Commit history — what tests use to assert e.g. "the repository has exactly one commit". */
import { Ctx, RouteTable } from '../context';
import { notFound, unprocessable } from '../errors';
import { CommitData } from '../gitObjects';
import { renderCommitListItem, repoApi } from '../render';
import { gitDataRepo, resolveCommitish } from './shared';

/** Newest first by committer date, every commit once — close to `git log`'s default order. */
function history(ctx: Ctx, head: string): Array<{ sha: string; commit: CommitData }> {
  const repo = gitDataRepo(ctx, 'read');
  const out: Array<{ sha: string; commit: CommitData }> = [];
  const seen = new Set<string>([head]);
  const frontier = [{ sha: head, commit: repo.git.readCommit(head)! }];
  while (frontier.length) {
    frontier.sort((a, b) => b.commit.committer.time - a.commit.committer.time);
    const next = frontier.shift()!;
    out.push(next);
    for (const p of next.commit.parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      const c = repo.git.readCommit(p);
      if (c) frontier.push({ sha: p, commit: c });
    }
  }
  return out;
}

export const commitRoutes: RouteTable = {
  'GET /repos/{owner}/{repo}/commits': ctx => {
    const repo = gitDataRepo(ctx, 'read'); // 409 "Git Repository is empty." before the first push
    const spec = (ctx.query.sha as string | undefined) ?? repo.defaultBranch;
    const head = resolveCommitish(repo, spec);
    if (!head) throw notFound(`No commit found for SHA: ${spec}`);
    let all = history(ctx, head);
    const path = ctx.query.path as string | undefined;
    if (path) {
      // keep commits whose tree differs from their first parent's at `path`
      const at = (c: CommitData | undefined) => {
        if (!c) return undefined;
        let sha: string | undefined = c.tree;
        for (const name of path.replace(/^\/+|\/+$/g, '').split('/'))
          sha = sha && repo.git.readTree(sha)?.find(e => e.name === name)?.sha;
        return sha;
      };
      all = all.filter(
        ({ commit }) => at(commit) !== at(commit.parents[0] ? repo.git.readCommit(commit.parents[0]) : undefined),
      );
    }
    const perPage = Math.min(Number(ctx.query.per_page ?? 30), 100);
    const page = Math.max(Number(ctx.query.page ?? 1), 1);
    const items = all.slice((page - 1) * perPage, page * perPage);
    const lastPage = Math.max(1, Math.ceil(all.length / perPage));
    const headers: Record<string, string> = {};
    if (lastPage > 1) {
      const link = (p: number, rel: string) => {
        const q = new URLSearchParams({
          ...(ctx.query.sha ? { sha: spec } : {}),
          ...(path ? { path } : {}),
          per_page: String(perPage),
          page: String(p),
        });
        return `<${repoApi(repo, ctx.urls)}/commits?${q}>; rel="${rel}"`;
      };
      const links = [];
      if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
      if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
      headers.link = links.join(', ');
    }
    return {
      status: 200,
      headers,
      json: items.map(i => renderCommitListItem(ctx.state, repo, i.sha, i.commit, ctx.urls)),
    };
  },

  'GET /repos/{owner}/{repo}/commits/{ref}': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const sha = resolveCommitish(repo, ctx.params.ref);
    // GitHub answers 422 here (not 404) for a ref or sha it cannot resolve
    if (!sha) throw unprocessable(`No commit found for SHA: ${ctx.params.ref}`);
    const commit = repo.git.readCommit(sha)!;
    // `files` and `stats` (the diff) are not modelled: left out rather than faked
    return { status: 200, json: renderCommitListItem(ctx.state, repo, sha, commit, ctx.urls) };
  },
};
