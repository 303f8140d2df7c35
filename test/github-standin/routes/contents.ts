/**
 * Contents API. Unlike the Git Data API it works on an EMPTY repository: the first PUT creates
 * the branch with a parentless commit (the usual way to bootstrap a fresh repository).
 * Backstage's GithubUrlReader reads files here with `Accept: application/vnd.github.v3.raw`.
 */
import { Ctx, Reply, RouteTable } from '../context';
import { conflict, notFound, unprocessable } from '../errors';
import { GitError, GitStore, modeType } from '../gitObjects';
import { contentLinks, downloadUrl, renderGitCommit, wrappedBase64 } from '../render';
import { RepoRecord, identFor } from '../state';
import { TreeBuilder } from '../treeBuilder';
import { protectionRefusal } from './protection';
import { decodeBase64, identFromInput, requireWorkflowScope, resolveCommitish } from './shared';

/** Above 1 MB GitHub leaves `content` empty with encoding "none" (raw media type still works). */
const MAX_INLINE = 1024 * 1024;

interface Located {
  mode: string;
  sha: string;
}

function lookup(git: GitStore, treeSha: string, path: string): Located | undefined {
  if (path === '') return { mode: '40000', sha: treeSha };
  let current: Located = { mode: '40000', sha: treeSha };
  for (const name of path.split('/')) {
    if (current.mode !== '40000') return undefined;
    const entry = git.readTree(current.sha)?.find(e => e.name === name);
    if (!entry) return undefined;
    current = entry;
  }
  return current;
}

const trimSlashes = (p: string) => p.replace(/^\/+|\/+$/g, '');
const baseName = (p: string) => p.split('/').pop() ?? p;

function wantsRaw(ctx: Ctx): boolean {
  return /application\/vnd\.github(\.v3)?\.raw/i.test(String(ctx.headers.accept ?? ''));
}

function fileJson(ctx: Ctx, repo: RepoRecord, path: string, ref: string, sha: string, content: Buffer) {
  const inline = content.length <= MAX_INLINE;
  return {
    type: 'file',
    encoding: inline ? 'base64' : 'none',
    size: content.length,
    name: baseName(path),
    path,
    content: inline ? wrappedBase64(content) : '',
    sha,
    ...contentLinks(repo, path, ref, sha, 'blob', ctx.urls),
    download_url: downloadUrl(repo, path, ref, ctx.urls),
  };
}

function directoryJson(ctx: Ctx, repo: RepoRecord, dirPath: string, treeSha: string, ref: string) {
  return (repo.git.readTree(treeSha) ?? []).map(e => {
    const path = dirPath ? `${dirPath}/${e.name}` : e.name;
    const kind = modeType(e.mode);
    // documented quirk: submodules are listed with type "file" for backwards compatibility
    const type = kind === 'tree' ? 'dir' : e.mode === '120000' ? 'symlink' : 'file';
    const size = kind === 'blob' ? (repo.git.readObject(e.sha)?.content.length ?? 0) : 0;
    return {
      type,
      size,
      name: e.name,
      path,
      sha: e.sha,
      ...contentLinks(repo, path, ref, e.sha, kind === 'tree' ? 'tree' : 'blob', ctx.urls),
      download_url: kind === 'blob' ? downloadUrl(repo, path, ref, ctx.urls) : null,
    };
  });
}

function getContents(ctx: Ctx): Reply {
  const repo = ctx.state.repoForRead(ctx.viewer, ctx.params.owner, ctx.params.repo);
  if (repo.git.isEmpty()) throw notFound('This repository is empty.');
  const ref = (ctx.query.ref as string | undefined) || repo.defaultBranch;
  const commitSha = resolveCommitish(repo, ref);
  if (!commitSha) throw notFound(`No commit found for the ref ${ref}`);
  const commit = repo.git.readCommit(commitSha)!;
  const path = trimSlashes(ctx.params.path ?? '');
  let found = lookup(repo.git, commit.tree, path);
  let foundPath = path;
  if (!found) throw notFound();
  const headers = { 'last-modified': new Date(commit.committer.time * 1000).toUTCString() };

  if (found.mode === '120000') {
    // a symlink to a file inside the repository answers with that file; otherwise the link itself
    const target = repo.git.readObject(found.sha)!.content.toString();
    const resolved = trimSlashes(
      [...path.split('/').slice(0, -1), ...target.split('/')]
        .reduce<string[]>((acc, part) => {
          if (part === '..') acc.pop();
          else if (part !== '.' && part !== '') acc.push(part);
          return acc;
        }, [])
        .join('/'),
    );
    const followed = lookup(repo.git, commit.tree, resolved);
    if (followed && modeType(followed.mode) === 'blob' && followed.mode !== '120000') {
      found = followed;
      foundPath = resolved;
    } else {
      const content = repo.git.readObject(found.sha)!.content;
      return {
        status: 200,
        headers,
        json: {
          ...fileJson(ctx, repo, path, ref, found.sha, content),
          type: 'symlink',
          target,
          content: undefined,
          encoding: undefined,
        },
      };
    }
  }

  const kind = modeType(found.mode);
  if (kind === 'tree') return { status: 200, headers, json: directoryJson(ctx, repo, path, found.sha, ref) };
  if (kind === 'commit') {
    return {
      status: 200,
      headers,
      json: {
        type: 'submodule',
        submodule_git_url: null,
        size: 0,
        name: baseName(path),
        path,
        sha: found.sha,
        ...contentLinks(repo, path, ref, found.sha, 'tree', ctx.urls),
        download_url: null,
      },
    };
  }
  const content = repo.git.readObject(found.sha)!.content;
  if (wantsRaw(ctx)) {
    return {
      status: 200,
      raw: content,
      contentType: 'text/plain; charset=utf-8',
      headers: { ...headers, etag: `"${found.sha}"`, 'x-github-media-type': 'github.v3; param=raw; format=json' },
    };
  }
  return { status: 200, headers, json: fileJson(ctx, repo, foundPath, ref, found.sha, content) };
}

/** Creates one commit changing one path on `branch`; returns the commit sha. */
function commitOnePath(
  ctx: Ctx,
  repo: RepoRecord,
  branch: string,
  parent: string | undefined,
  change: (builder: TreeBuilder) => void,
): string {
  const git = repo.git;
  const builder = new TreeBuilder(git, parent ? git.readCommit(parent)!.tree : undefined);
  try {
    change(builder);
  } catch (err) {
    if (err instanceof GitError) throw unprocessable(err.message);
    throw err;
  }
  const committer = identFromInput(ctx.body.committer, identFor(ctx.viewer.account, ctx.state.now()));
  const author = identFromInput(ctx.body.author, committer);
  const sha = git.writeCommit({
    tree: builder.write(),
    parents: parent ? [parent] : [],
    author,
    committer,
    message: ctx.body.message,
  });
  git.updateRef(`refs/heads/${branch}`, sha);
  repo.pushedAt = ctx.state.nowIso();
  return sha;
}

function branchHead(repo: RepoRecord, branch: string): string {
  const head = repo.git.readRef(`refs/heads/${branch}`);
  if (!head) throw notFound(`Branch ${branch} not found`);
  return head;
}

function putContents(ctx: Ctx): Reply {
  const repo = ctx.state.repoForWrite(ctx.viewer, ctx.params.owner, ctx.params.repo);
  const path = trimSlashes(ctx.params.path ?? '');
  if (path === '') throw notFound();
  requireWorkflowScope(ctx, [path]);
  const content = decodeBase64(ctx.body.content);
  const git = repo.git;
  const branch: string = ctx.body.branch ?? repo.defaultBranch;
  const blob = git.writeObject('blob', content);
  let sha: string;
  let status = 201;

  if (git.isEmpty()) {
    // bootstrap: the branch is born with a parentless commit and becomes the default branch
    sha = commitOnePath(ctx, repo, branch, undefined, b => b.set(path, '100644', blob));
    if (branch !== repo.defaultBranch) {
      repo.defaultBranch = branch;
    }
    git.setHead(repo.defaultBranch);
  } else {
    const parent = branchHead(repo, branch);
    const refusal = protectionRefusal(repo, branch, ctx.viewer, 'contents');
    if (refusal) throw refusal;
    const existing = lookup(git, git.readCommit(parent)!.tree, path);
    if (existing && modeType(existing.mode) === 'tree')
      throw unprocessable(`Invalid request.\n\n${path} is a directory.`);
    if (existing) {
      if (ctx.body.sha === undefined) throw unprocessable('Invalid request.\n\n"sha" wasn\'t supplied.');
      if (ctx.body.sha !== existing.sha) throw conflict(`${path} does not match ${ctx.body.sha}`);
      status = 200;
    }
    // an update keeps the file's mode (an executable stays executable)
    const mode = existing && existing.mode !== '160000' ? existing.mode : '100644';
    sha = commitOnePath(ctx, repo, branch, parent, b => b.set(path, mode, blob));
  }
  const commit = git.readCommit(sha)!;
  const file = fileJson(ctx, repo, path, branch, blob, content);
  const { content: _c, encoding: _e, ...summary } = file;
  return { status, json: { content: summary, commit: renderGitCommit(repo, sha, commit, ctx.urls) } };
}

function deleteContents(ctx: Ctx): Reply {
  const repo = ctx.state.repoForWrite(ctx.viewer, ctx.params.owner, ctx.params.repo);
  const path = trimSlashes(ctx.params.path ?? '');
  requireWorkflowScope(ctx, [path]);
  if (repo.git.isEmpty()) throw notFound();
  const branch: string = ctx.body.branch ?? repo.defaultBranch;
  const parent = branchHead(repo, branch);
  const refusal = protectionRefusal(repo, branch, ctx.viewer, 'contents');
  if (refusal) throw refusal;
  const existing = lookup(repo.git, repo.git.readCommit(parent)!.tree, path);
  if (!existing || modeType(existing.mode) === 'tree') throw notFound();
  if (ctx.body.sha !== existing.sha) throw conflict(`${path} does not match ${ctx.body.sha}`);
  const sha = commitOnePath(ctx, repo, branch, parent, b => b.remove(path));
  return {
    status: 200,
    json: { content: null, commit: renderGitCommit(repo, sha, repo.git.readCommit(sha)!, ctx.urls) },
  };
}

export const contentRoutes: RouteTable = {
  'GET /repos/{owner}/{repo}/contents/{path}': getContents,
  'PUT /repos/{owner}/{repo}/contents/{path}': putContents,
  'DELETE /repos/{owner}/{repo}/contents/{path}': deleteContents,
};
