/**
 * What Backstage's GithubUrlReader.readTree uses to fetch a folder (e.g. a
 * template's skeleton): the combined status of a ref, for the commit SHA and
 * the repository's archive_url, then the tarball of that commit.
 */
import { execFileSync } from 'child_process';
import { gzipSync } from 'zlib';
import { RouteTable } from '../context';
import { notFound } from '../errors';
import { renderRepo, repoApi } from '../render';
import { gitDataRepo, resolveCommitish } from './shared';

export const archiveRoutes: RouteTable = {
  'GET /repos/{owner}/{repo}/commits/{ref}/status': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const sha = resolveCommitish(repo, ctx.params.ref);
    if (!sha) throw notFound(`No commit found for SHA: ${ctx.params.ref}`);
    const api = repoApi(repo, ctx.urls);
    return {
      status: 200,
      json: {
        state: 'pending',
        statuses: [],
        sha,
        total_count: 0,
        repository: renderRepo(repo, ctx.viewer, ctx.urls),
        commit_url: `${api}/commits/${sha}`,
        url: `${api}/commits/${sha}/status`,
      },
    };
  },

  // GitHub redirects to codeload; answering with the archive itself is what the client ends up with.
  'GET /repos/{owner}/{repo}/tarball/{ref}': ctx => {
    const repo = gitDataRepo(ctx, 'read');
    const sha = resolveCommitish(repo, ctx.params.ref);
    if (!sha) throw notFound('Not Found');
    // GitHub's top folder is <owner>-<repo>-<short sha>/.
    const prefix = `${repo.owner.login}-${repo.name}-${sha.slice(0, 7)}/`;
    const tar = execFileSync('git', ['archive', '--format=tar', `--prefix=${prefix}`, sha], {
      cwd: repo.git.dir,
      maxBuffer: 256 * 1024 * 1024,
    });
    return {
      status: 200,
      raw: gzipSync(tar),
      contentType: 'application/x-gzip',
      headers: { 'content-disposition': `attachment; filename=${prefix.slice(0, -1)}.tar.gz` },
    };
  },
};
