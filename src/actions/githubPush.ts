import { createTemplateAction, getRepoSourceDirectory } from '@backstage/plugin-scaffolder-node';
import { connectToRepository, GithubActionOptions, resolveGithubActionOptions } from '../github/client';
import { treeSha } from '../github/gitObjects';
import { resolveGithubRepo } from '../github/repoUrl';
import { TreePusher } from '../github/treePusher';
import { isInlineText, readWorkspaceFiles } from '../github/workspaceFiles';

export const GITHUB_PUSH_ACTION_ID = 'goldenpath:github:push';

const DRY_RUN_COMMIT = '0'.repeat(40);
const PUSH_PERMISSION =
  'Contents: write (classic token: repo scope, plus the workflow scope because the push contains .github/workflows)';

/**
 * Pushes the workspace as ONE commit through the Git Data API: every text file
 * inline in a single tree request, binary files as blobs, executable bits kept.
 * The number of requests does not grow with the number of text files.
 *
 * GitHub answers 409 "Git Repository is empty." to blob, tree and commit calls
 * on a repository without commits. We then create one throw-away file through
 * the Contents API (which works on empty repositories), and point the branch at
 * a parentless commit of ours: the history holds exactly one commit.
 */
export function createGithubPushAction(actionOptions: GithubActionOptions) {
  const options = resolveGithubActionOptions(actionOptions);
  return createTemplateAction({
    id: GITHUB_PUSH_ACTION_ID,
    description:
      'Pushes the workspace (or a sourcePath below it) to a GitHub repository as one commit through the Git Data API. Safe to retry.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Push the rendered skeleton to the repository the previous step created',
        example: [
          'steps:',
          '  - id: push',
          '    name: Push the skeleton',
          '    action: goldenpath:github:push',
          '    input:',
          '      repoUrl: ${{ parameters.repoUrl }}',
          '      branch: ${{ steps.create.output.defaultBranch }}',
          '      commitMessage: Initial commit from the Stateful App golden path',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        repoUrl: z => z.string().describe('Repository location: github.com?owner=<owner>&repo=<name>'),
        sourcePath: z =>
          z.string().optional().describe('Folder below the workspace to push (default: the whole workspace)'),
        branch: z => z.string().optional().describe('Branch to create; it becomes the default branch (default main)'),
        commitMessage: z => z.string().optional().describe('Message of the commit'),
        gitAuthorName: z =>
          z.string().optional().describe("Commit author name (default: the credential's identity as GitHub sets it)"),
        gitAuthorEmail: z => z.string().optional().describe('Commit author email, required with gitAuthorName'),
        token: z =>
          z.string().optional().describe('A GitHub token that overrides integrations.github; pass it as a secret'),
      },
      output: {
        commitHash: z => z.string().describe('SHA of the pushed commit (all zeros in a dry run)'),
        repoContentsUrl: z => z.string().describe('URL of the pushed contents (…/blob/<branch>)'),
      },
    },
    async handler(ctx) {
      const location = resolveGithubRepo(ctx.input.repoUrl, options.integrations);
      const { owner, repo, host } = location;
      const branch = ctx.input.branch ?? 'main';
      const sourceDir = getRepoSourceDirectory(ctx.workspacePath, ctx.input.sourcePath);
      const files = await readWorkspaceFiles(sourceDir);
      const expectedTree = treeSha(files);
      // Decided once: binary files go up as blobs, the rest inline in the tree request.
      const binaryPaths = new Set(files.filter(f => !isInlineText(f.content)).map(f => f.path));
      ctx.logger.info(
        `${files.length} files (${binaryPaths.size} binary) to push to ${owner}/${repo}@${branch}, tree ${expectedTree}`,
      );

      if (ctx.isDryRun) {
        ctx.output('commitHash', DRY_RUN_COMMIT);
        ctx.output('repoContentsUrl', `https://${host}/${owner}/${repo}/blob/${branch}`);
        return;
      }

      const { octokit, failure } = await connectToRepository(options, location, ctx.input.token, ctx.logger);
      const fail = (action: string) => failure(action, PUSH_PERMISSION);

      const pushed = await ctx.checkpoint({
        key: `github.push.v1.${host}/${owner}/${repo}@${branch}:${expectedTree}`,
        fn: async () => {
          const pusher = new TreePusher(
            octokit,
            owner,
            repo,
            options.clientOptions.repoReadyTimeoutMs,
            fail,
            ctx.logger,
          );
          return pusher.push({
            files,
            binaryPaths,
            expectedTree,
            branch,
            message: ctx.input.commitMessage ?? 'Initial commit from the Stateful App golden path',
            author: ctx.input.gitAuthorName
              ? { name: ctx.input.gitAuthorName, email: ctx.input.gitAuthorEmail ?? '' }
              : undefined,
          });
        },
      });
      ctx.output('commitHash', pushed.commitHash);
      ctx.output('repoContentsUrl', `${pushed.htmlUrl}/blob/${branch}`);
    },
  });
}
