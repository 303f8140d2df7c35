/**
 * Git Data API: blobs, trees, commits, refs — stored as real objects (see gitObjects.ts).
 * Error messages follow what GitHub is documented/reported to say; see the report for the
 * ones that are best guesses.
 */
import { Reply, RouteTable } from '../context';
import { notFound, unprocessable } from '../errors';
import { GitError, GitStore, isSha, isValidRefName, modeType } from '../gitObjects';
import { renderGitCommit, renderRef, repoApi, wrappedBase64, gitNodeId } from '../render';
import { RepoRecord, StandinState, identFor } from '../state';
import { TreeBuilder } from '../treeBuilder';
import { protectionRefusal } from './protection';
import { decodeBase64, gitDataRepo, identFromInput, requireWorkflowScope, resolveTreeish } from './shared';

const API_TO_GIT_MODE: Record<string, string> = {
  '100644': '100644',
  '100755': '100755',
  '120000': '120000',
  '040000': '40000',
  '160000': '160000',
};
const apiMode = (gitMode: string) => (gitMode === '40000' ? '040000' : gitMode);

function created<T extends { url: string }>(json: T): Reply {
  return { status: 201, json, headers: { location: json.url } };
}

// ---------------------------------------------------------------------------------------------
// trees

interface TreeListing {
  path: string;
  mode: string;
  type: string;
  sha: string;
  size?: number;
  url?: string;
}

export function listTree(
  repo: RepoRecord,
  treeSha: string,
  api: string,
  recursive: boolean,
  prefix = '',
): TreeListing[] {
  const out: TreeListing[] = [];
  for (const e of repo.git.readTree(treeSha) ?? []) {
    const type = modeType(e.mode);
    const path = prefix + e.name;
    const item: TreeListing = { path, mode: apiMode(e.mode), type, sha: e.sha };
    if (type === 'blob') {
      item.size = repo.git.readObject(e.sha)?.content.length ?? 0;
      item.url = `${api}/git/blobs/${e.sha}`;
    } else if (type === 'tree') {
      item.url = `${api}/git/trees/${e.sha}`;
    }
    out.push(item);
    if (recursive && type === 'tree') out.push(...listTree(repo, e.sha, api, true, `${path}/`));
  }
  return out;
}

function renderTree(repo: RepoRecord, sha: string, api: string, recursive: boolean) {
  return { sha, url: `${api}/git/trees/${sha}`, tree: listTree(repo, sha, api, recursive), truncated: false };
}

interface TreeInput {
  path?: string;
  mode?: string;
  type?: string;
  sha?: string | null;
  content?: string;
}

function applyTreeEntry(git: GitStore, builder: TreeBuilder, e: TreeInput): void {
  if (!e.path) throw unprocessable('Invalid tree info: tree.path is required');
  if (!e.mode) throw unprocessable(`Invalid tree info: tree.mode is required for ${e.path}`);
  const mode = API_TO_GIT_MODE[e.mode];
  const expected = modeType(mode);
  if (e.type && e.type !== expected)
    throw unprocessable(`Invalid tree info: mode ${e.mode} is a ${expected}, not a ${e.type} (${e.path})`);
  const hasSha = 'sha' in e;
  if (hasSha && e.content !== undefined) {
    throw unprocessable('Invalid tree info: use either tree.sha or tree.content, not both');
  }
  try {
    if (e.content !== undefined) {
      if (expected !== 'blob') throw unprocessable(`Invalid tree info: tree.content is only for blobs (${e.path})`);
      builder.set(e.path, mode, git.writeObject('blob', Buffer.from(e.content, 'utf8')));
    } else if (hasSha && e.sha === null) {
      if (!builder.remove(e.path)) throw unprocessable(`tree.path ${e.path} does not exist and cannot be deleted`);
    } else if (hasSha) {
      const sha = String(e.sha);
      // gitlinks (submodules) point into another repository: nothing to check here
      if (expected !== 'commit' && (!isSha(sha) || git.objectType(sha) !== expected)) {
        throw unprocessable(`tree.sha ${sha} is not a valid ${expected}`);
      }
      builder.set(e.path, mode, sha);
    } else {
      throw unprocessable(`Invalid tree info: tree.sha or tree.content is required (${e.path})`);
    }
  } catch (err) {
    if (err instanceof GitError) throw unprocessable(err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// refs

function refName(param: string): string {
  return `refs/${param}`;
}

function checkRefTarget(git: GitStore, sha: string): void {
  if (!isSha(sha) || !git.objectType(sha)) throw unprocessable('Object does not exist');
}

function touched(repo: RepoRecord, state: StandinState): void {
  repo.pushedAt = state.nowIso();
}

export const gitRoutes: RouteTable = {
  'POST /repos/{owner}/{repo}/git/blobs': ctx => {
    const repo = gitDataRepo(ctx, 'write');
    const encoding = ctx.body.encoding ?? 'utf-8';
    let content: Buffer;
    if (encoding === 'base64') content = decodeBase64(ctx.body.content);
    else if (encoding === 'utf-8' || encoding === 'utf8') content = Buffer.from(ctx.body.content, 'utf8');
    else
      throw unprocessable(`Invalid request.\n\nencoding must be "utf-8" or "base64", not ${JSON.stringify(encoding)}.`);
    const sha = repo.git.writeObject('blob', content);
    return created({ sha, url: `${repoApi(repo, ctx.urls)}/git/blobs/${sha}` });
  },

  'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const obj = repo.git.readObject(ctx.params.file_sha);
    if (!obj || obj.type !== 'blob') throw notFound();
    const sha = ctx.params.file_sha;
    return {
      status: 200,
      json: {
        sha,
        node_id: gitNodeId('B', sha),
        size: obj.content.length,
        url: `${repoApi(repo, ctx.urls)}/git/blobs/${sha}`,
        content: wrappedBase64(obj.content),
        encoding: 'base64',
      },
    };
  },

  'POST /repos/{owner}/{repo}/git/trees': ctx => {
    const repo = gitDataRepo(ctx, 'write');
    const { base_tree: baseTree, tree } = ctx.body as { base_tree?: string; tree: TreeInput[] };
    requireWorkflowScope(
      ctx,
      tree.map(e => e.path ?? ''),
    );
    if (baseTree !== undefined && (!isSha(baseTree) || repo.git.objectType(baseTree) !== 'tree')) {
      throw unprocessable('base_tree is not a valid tree oid');
    }
    const seen = new Set<string>();
    for (const e of tree) {
      if (e.path && seen.has(e.path)) throw unprocessable(`Invalid tree info: duplicate path ${e.path}`);
      if (e.path) seen.add(e.path);
    }
    const builder = new TreeBuilder(repo.git, baseTree);
    for (const e of tree) applyTreeEntry(repo.git, builder, e);
    const sha = builder.write();
    return created(renderTree(repo, sha, repoApi(repo, ctx.urls), false));
  },

  'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const sha = resolveTreeish(repo, ctx.params.tree_sha);
    if (!sha) throw notFound();
    // "Setting this parameter to any value" enables recursion — even 0 or "false"
    return { status: 200, json: renderTree(repo, sha, repoApi(repo, ctx.urls), ctx.query.recursive !== undefined) };
  },

  'POST /repos/{owner}/{repo}/git/commits': ctx => {
    const repo = gitDataRepo(ctx, 'write');
    const {
      message,
      tree,
      parents = [],
      author,
      committer,
      signature,
    } = ctx.body as {
      message: string;
      tree: string;
      parents?: string[];
      author?: { name: string; email: string; date?: string };
      committer?: { name: string; email: string; date?: string };
      signature?: string;
    };
    if (!isSha(tree) || repo.git.objectType(tree) !== 'tree') throw unprocessable('Tree SHA does not exist');
    for (const p of parents) {
      if (!isSha(p) || repo.git.objectType(p) !== 'commit')
        throw unprocessable('Parent SHA does not exist or is not a commit object');
    }
    // author defaults to the authenticated user now; committer defaults to the author
    const authorIdent = identFromInput(author, identFor(ctx.viewer.account, ctx.state.now()));
    const committerIdent = identFromInput(committer, authorIdent);
    const sha = repo.git.writeCommit({
      tree,
      parents,
      author: authorIdent,
      committer: committerIdent,
      message,
      extraHeaders: signature ? [['gpgsig', signature]] : [],
    });
    return created(renderGitCommit(repo, sha, repo.git.readCommit(sha)!, ctx.urls));
  },

  'GET /repos/{owner}/{repo}/git/commits/{commit_sha}': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const commit = repo.git.readCommit(ctx.params.commit_sha);
    if (!commit) throw notFound();
    return { status: 200, json: renderGitCommit(repo, ctx.params.commit_sha, commit, ctx.urls) };
  },

  'GET /repos/{owner}/{repo}/git/ref/{ref}': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const name = refName(ctx.params.ref);
    const sha = repo.git.readRef(name);
    if (!sha) throw notFound();
    return { status: 200, json: renderRef(repo, name, sha, ctx.urls) };
  },

  'GET /repos/{owner}/{repo}/git/matching-refs/{ref}': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const prefix = refName(ctx.params.ref);
    return { status: 200, json: repo.git.listRefs(prefix).map(r => renderRef(repo, r.name, r.sha, ctx.urls)) };
  },

  'POST /repos/{owner}/{repo}/git/refs': ctx => {
    const repo = gitDataRepo(ctx, 'write');
    const { ref, sha } = ctx.body as { ref: string; sha: string };
    if (!isValidRefName(ref)) throw unprocessable('Reference name is not valid');
    checkRefTarget(repo.git, sha);
    if (repo.git.readRef(ref)) throw unprocessable('Reference already exists');
    repo.git.updateRef(ref, sha);
    touched(repo, ctx.state);
    return created(renderRef(repo, ref, sha, ctx.urls));
  },

  'PATCH /repos/{owner}/{repo}/git/refs/{ref}': ctx => {
    const repo = gitDataRepo(ctx, 'write');
    const name = refName(ctx.params.ref);
    const { sha, force = false } = ctx.body as { sha: string; force?: boolean };
    const current = repo.git.readRef(name);
    if (!current) throw unprocessable('Reference does not exist');
    checkRefTarget(repo.git, sha);
    const fastForward = current === sha || repo.git.isAncestor(current, sha);
    if (!force && !fastForward) throw unprocessable('Update is not a fast forward');
    if (name.startsWith('refs/heads/')) {
      const refusal = protectionRefusal(
        repo,
        name.slice('refs/heads/'.length),
        ctx.viewer,
        fastForward ? 'update' : 'force',
      );
      if (refusal) throw refusal;
    }
    repo.git.updateRef(name, sha);
    touched(repo, ctx.state);
    return { status: 200, json: renderRef(repo, name, sha, ctx.urls) };
  },

  'DELETE /repos/{owner}/{repo}/git/refs/{ref}': ctx => {
    const repo = gitDataRepo(ctx, 'write');
    const name = refName(ctx.params.ref);
    if (!repo.git.readRef(name)) throw unprocessable('Reference does not exist');
    // like `git push :main` ("refusing to delete the current branch"), see cli/cli#11646
    if (name === `refs/heads/${repo.defaultBranch}`) throw unprocessable('Cannot delete the default branch');
    if (name.startsWith('refs/heads/')) {
      const refusal = protectionRefusal(repo, name.slice('refs/heads/'.length), ctx.viewer, 'delete');
      if (refusal) throw refusal;
    }
    repo.git.deleteRef(name);
    touched(repo, ctx.state);
    return { status: 204 };
  },
};
