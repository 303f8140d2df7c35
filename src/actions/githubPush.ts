import { InputError } from '@backstage/errors';
import { createTemplateAction, getRepoSourceDirectory } from '@backstage/plugin-scaffolder-node';
import { BranchProtectionInput, branchProtectionBody, checkBranchProtection } from '../github/branchProtection';
import { connectToRepository, GithubActionOptions, GithubClient, resolveGithubActionOptions } from '../github/client';
import { githubExplanation, githubStatus } from '../github/errors';
import { freshRepositories } from '../github/freshRepositories';
import { resolveGithubRepo } from '../github/repoUrl';
import { TreePusher } from '../github/treePusher';
import { isInlineText } from '../github/workspaceFiles';
import { describeMismatch, isTreeSha, readFingerprintedFiles } from '../workspace/fingerprint';
import { lostWorkspaceAdvice, readTaskRecoverySettings } from '../workspace/taskRecovery';

export const GITHUB_PUSH_ACTION_ID = 'goldenpath:github:push';

const DRY_RUN_COMMIT = '0'.repeat(40);
/** publish:github's commit message when neither the input nor scaffolder.defaultCommitMessage sets one. */
const DEFAULT_COMMIT_MESSAGE = 'initial commit';
const PUSH_PERMISSION =
  'Contents: write (classic token: repo scope, plus the workflow scope when the push contains .github/workflows)';
const PROTECT_PERMISSION = 'Administration: write on the repository (classic token: repo scope)';
const UPGRADE_NEEDED = /Upgrade to GitHub Pro/i;

/**
 * Pushes the workspace as ONE commit through the Git Data API: every text file inline in a
 * single tree request, binary files as blobs, executable bits kept. The number of requests does
 * not grow with the number of text files: on a repository this task has just created, a
 * text-only push is one tree, one commit and one ref update.
 *
 * Then protects the branch, with publish:github's options and defaults (on by default: one
 * approving review, admins included, branches up to date), AFTER the commit so that the push is
 * never blocked by it. Protection that GitHub refuses fails the task: a repository without its
 * protection is worse than a failed task that can be retried (set protectDefaultBranch: false for
 * a plan without it).
 */
export function createGithubPushAction(actionOptions: GithubActionOptions) {
  const options = resolveGithubActionOptions(actionOptions);
  const recovery = readTaskRecoverySettings(options.config);
  return createTemplateAction({
    id: GITHUB_PUSH_ACTION_ID,
    description:
      'Pushes the workspace (or a sourcePath below it) to a GitHub repository as one commit through the Git Data API, then protects the branch as publish:github does. Safe to retry.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Push the rendered skeleton to the repository the previous step created, and protect main',
        example: [
          'steps:',
          '  - id: push',
          '    name: Push the skeleton',
          '    action: goldenpath:github:push',
          '    input:',
          '      repoUrl: ${{ parameters.repoUrl }}',
          '      defaultBranch: ${{ steps.create.output.defaultBranch }}',
          '      gitCommitMessage: Initial commit from the Stateful App golden path',
          '      expectedTreeSha: ${{ steps.fingerprint.output.treeSha }}',
          '      requiredStatusCheckContexts: [delivery]',
        ].join('\n'),
      },
      {
        description: 'Push without branch protection (e.g. private repositories on the GitHub Free plan)',
        example: [
          'steps:',
          '  - id: push',
          '    name: Push the skeleton',
          '    action: goldenpath:github:push',
          '    input:',
          '      repoUrl: ${{ parameters.repoUrl }}',
          '      protectDefaultBranch: false',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        repoUrl: z => z.string().describe('Repository location: github.com?owner=<owner>&repo=<name>'),
        sourcePath: z =>
          z.string().optional().describe('Folder below the workspace to push (default: the whole workspace)'),
        expectedTreeSha: z =>
          z
            .string()
            .optional()
            .describe(
              "Git tree SHA the files to push must hash to: goldenpath:workspace:fingerprint's treeSha, recorded after rendering. A workspace that differs (one that task recovery did not restore) is refused and nothing is pushed",
            ),
        defaultBranch: z =>
          z.string().optional().describe('Branch to create; it becomes the default branch (default main)'),
        branch: z => z.string().optional().describe('Older name of defaultBranch; give one or the other'),
        gitCommitMessage: z =>
          z
            .string()
            .optional()
            .describe('Message of the commit (default: scaffolder.defaultCommitMessage, else "initial commit")'),
        commitMessage: z => z.string().optional().describe('Older name of gitCommitMessage; give one or the other'),
        gitAuthorName: z =>
          z
            .string()
            .optional()
            .describe(
              "Commit author name (default: scaffolder.defaultAuthor.name; with neither name nor email set, the credential's identity as GitHub records it)",
            ),
        gitAuthorEmail: z =>
          z.string().optional().describe('Commit author email (default: scaffolder.defaultAuthor.email)'),
        protectDefaultBranch: z => z.boolean().optional().describe('Protect the branch after the push (default true)'),
        protectEnforceAdmins: z =>
          z.boolean().optional().describe('Hold administrators to the protection too (default true)'),
        requireCodeOwnerReviews: z =>
          z.boolean().optional().describe('Require a code owner review for their files (default false)'),
        requiredApprovingReviewCount: z =>
          z.number().optional().describe('Approving reviews a pull request needs, 0 to 6 (default 1)'),
        dismissStaleReviews: z =>
          z.boolean().optional().describe('New commits dismiss earlier approvals (default false)'),
        requiredStatusCheckContexts: z =>
          z.array(z.string()).optional().describe('Status checks that must pass before merging (default none)'),
        requireBranchesToBeUpToDate: z =>
          z.boolean().optional().describe('Branches must be up to date before merging (default true)'),
        requiredConversationResolution: z =>
          z.boolean().optional().describe('All review conversations must be resolved (default false)'),
        requireLastPushApproval: z =>
          z.boolean().optional().describe('The last push must be approved by someone else (default false)'),
        requiredCommitSigning: z =>
          z.boolean().optional().describe('Require signed commits (default false; one more request)'),
        requiredLinearHistory: z =>
          z.boolean().optional().describe('Forbid merge commits on the branch (default false)'),
        bypassPullRequestAllowances: z =>
          z
            .object({
              apps: z.array(z.string()).optional(),
              users: z.array(z.string()).optional(),
              teams: z.array(z.string()).optional(),
            })
            .optional()
            .describe('Users, teams or apps that may bypass the pull request requirement (organisation repositories)'),
        restrictions: z =>
          z
            .object({
              apps: z.array(z.string()).optional(),
              users: z.array(z.string()),
              teams: z.array(z.string()),
            })
            .optional()
            .describe('Only these users, teams or apps may push to the branch (organisation repositories)'),
        token: z =>
          z.string().optional().describe('A GitHub token that overrides integrations.github; pass it as a secret'),
      },
      output: {
        commitHash: z => z.string().describe('SHA of the pushed commit (all zeros in a dry run)'),
        repoContentsUrl: z => z.string().describe('URL of the pushed contents (…/blob/<branch>)'),
        remoteUrl: z => z.string().describe('Clone URL of the repository (no credentials)'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const location = resolveGithubRepo(input.repoUrl, options.integrations);
      const { owner, repo, host } = location;
      const branch = pickOne('defaultBranch', input.defaultBranch, 'branch', input.branch) ?? 'main';
      const config = options.config;
      const message =
        pickOne('gitCommitMessage', input.gitCommitMessage, 'commitMessage', input.commitMessage) ??
        config?.getOptionalString('scaffolder.defaultCommitMessage') ??
        DEFAULT_COMMIT_MESSAGE;
      const authorName = input.gitAuthorName ?? config?.getOptionalString('scaffolder.defaultAuthor.name');
      const authorEmail = input.gitAuthorEmail ?? config?.getOptionalString('scaffolder.defaultAuthor.email');
      // publish:github's defaults fill in the half that is missing
      const author =
        authorName || authorEmail
          ? { name: authorName || 'Scaffolder', email: authorEmail || 'scaffolder@backstage.io' }
          : undefined;
      const protection: BranchProtectionInput = {
        protectDefaultBranch: input.protectDefaultBranch,
        protectEnforceAdmins: input.protectEnforceAdmins,
        requireCodeOwnerReviews: input.requireCodeOwnerReviews,
        requiredApprovingReviewCount: input.requiredApprovingReviewCount,
        dismissStaleReviews: input.dismissStaleReviews,
        requiredStatusCheckContexts: input.requiredStatusCheckContexts,
        requireBranchesToBeUpToDate: input.requireBranchesToBeUpToDate,
        requiredConversationResolution: input.requiredConversationResolution,
        requireLastPushApproval: input.requireLastPushApproval,
        requiredCommitSigning: input.requiredCommitSigning,
        requiredLinearHistory: input.requiredLinearHistory,
        bypassPullRequestAllowances: input.bypassPullRequestAllowances,
        restrictions: input.restrictions,
      };
      checkBranchProtection(protection);

      if (input.expectedTreeSha !== undefined && !isTreeSha(input.expectedTreeSha)) {
        throw new InputError(
          `expectedTreeSha: "${input.expectedTreeSha}" is not a git tree SHA (40 lowercase hex digits); pass goldenpath:workspace:fingerprint's treeSha output`,
        );
      }
      const sourceDir = getRepoSourceDirectory(ctx.workspacePath, input.sourcePath);
      const { files, fingerprint } = await readFingerprintedFiles(sourceDir);
      const where = input.sourcePath ? `sourcePath: ${input.sourcePath}` : 'The workspace';
      if (input.expectedTreeSha !== undefined && fingerprint.treeSha !== input.expectedTreeSha) {
        throw new InputError(
          `expectedTreeSha: refusing to push ${owner}/${repo}: ${describeMismatch(input.expectedTreeSha, fingerprint)}. Nothing was pushed. ${lostWorkspaceAdvice(recovery)}`,
        );
      }
      if (files.length === 0) {
        throw new InputError(
          `${where} holds no files; refusing to push a commit with an empty tree to ${owner}/${repo}. Nothing was pushed. Did the fetch step render anything? ${lostWorkspaceAdvice(recovery)}`,
        );
      }
      const expectedTree = fingerprint.treeSha;
      // Decided once: binary files go up as blobs, the rest inline in the tree request.
      const binaryPaths = new Set(files.filter(f => !isInlineText(f.content)).map(f => f.path));
      ctx.logger.info(
        `${files.length} files (${binaryPaths.size} binary) to push to ${owner}/${repo}@${branch}, tree ${expectedTree}`,
      );

      if (ctx.isDryRun) {
        ctx.output('commitHash', DRY_RUN_COMMIT);
        ctx.output('repoContentsUrl', `https://${host}/${owner}/${repo}/blob/${branch}`);
        ctx.output('remoteUrl', `https://${host}/${owner}/${repo}.git`);
        return;
      }

      const { octokit, failure } = await connectToRepository(options, location, input.token, ctx.logger);
      const fail = (action: string) => failure(action, PUSH_PERMISSION);
      // Known only to the create step of this task in this process; anything else reads first.
      const fresh = ctx.task?.id ? freshRepositories.take(ctx.task.id, host, owner, repo) : undefined;

      const pushed = await ctx.checkpoint({
        key: `github.push.v2.${host}/${owner}/${repo}@${branch}:${expectedTree}`,
        fn: async () => {
          const pusher = new TreePusher(
            octokit,
            owner,
            repo,
            options.clientOptions.repoReadyTimeoutMs,
            fail,
            ctx.logger,
          );
          return pusher.push({ files, binaryPaths, expectedTree, branch, message, author }, fresh);
        },
      });

      // Every run, resumed ones too: PUT sets the whole protection, so repeating it converges.
      await protectBranch(octokit, owner, repo, branch, protection, failure);
      ctx.output('commitHash', pushed.commitHash);
      ctx.output('repoContentsUrl', `${pushed.htmlUrl}/blob/${branch}`);
      ctx.output('remoteUrl', `${pushed.htmlUrl}.git`);
    },
  });
}

/** The value of whichever of two names for one input was given; both given and different is an error. */
function pickOne(name: string, value: string | undefined, olderName: string, olderValue: string | undefined) {
  if (value !== undefined && olderValue !== undefined && value !== olderValue) {
    throw new InputError(`${name}: "${value}" contradicts ${olderName} "${olderValue}"; give one`);
  }
  return value ?? olderValue;
}

async function protectBranch(
  octokit: GithubClient,
  owner: string,
  repo: string,
  branch: string,
  protection: BranchProtectionInput,
  failure: (action: string, permission: string) => (error: unknown) => never,
) {
  const body = branchProtectionBody(protection);
  if (!body) return;
  const fail = (action: string) => (error: unknown) => {
    if (githubStatus(error) === 403 && UPGRADE_NEEDED.test(githubExplanation(error))) {
      throw new InputError(
        `protectDefaultBranch: GitHub refused to protect ${branch} of ${owner}/${repo} (403 ${githubExplanation(error)}): private repositories need a paid plan for branch protection. The push is done; upgrade the plan or make the repository public and retry, or set protectDefaultBranch: false`,
      );
    }
    return failure(action, PROTECT_PERMISSION)(error);
  };
  await octokit.rest.repos
    .updateBranchProtection({ owner, repo, branch, ...body })
    .catch(fail(`protect the branch ${branch} of`));
  if (protection.requiredCommitSigning) {
    await octokit.rest.repos
      .createCommitSignatureProtection({ owner, repo, branch })
      .catch(fail(`require signed commits on ${branch} of`));
  }
}
