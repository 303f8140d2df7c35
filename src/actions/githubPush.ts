import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction, getRepoSourceDirectory } from '@backstage/plugin-scaffolder-node';
import { connectToRepository, GithubActionDeps, GithubClient } from '../github/client';
import { githubMessage, githubStatus } from '../github/errors';
import { GitFile, treeSha } from '../github/gitObjects';
import { resolveGithubRepo } from '../github/repoUrl';
import { isInlineText, readWorkspaceFiles } from '../github/workspaceFiles';

export const GITHUB_PUSH_ACTION_ID = 'goldenpath:github:push';

/** Content of the one-file commit that makes an empty repository usable for the Git Data API. */
const BOOTSTRAP_PATH = '.golden-path-bootstrap';
const BOOTSTRAP_MESSAGE = 'Bootstrap (replaced by the golden path initial commit)';
const EMPTY_REPO_MESSAGE = /Git Repository is empty/i;
const BLOB_CONCURRENCY = 4;

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
export function createGithubPushAction(options: GithubActionDeps) {
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
        sourcePath: z => z.string().optional().describe('Folder below the workspace to push (default: the whole workspace)'),
        branch: z => z.string().optional().describe('Branch to create; it becomes the default branch (default main)'),
        commitMessage: z => z.string().optional().describe('Message of the commit'),
        gitAuthorName: z => z.string().optional().describe('Commit author name (default: the credential\'s identity as GitHub sets it)'),
        gitAuthorEmail: z => z.string().optional().describe('Commit author email, required with gitAuthorName'),
        token: z => z.string().optional().describe('A GitHub token that overrides integrations.github; pass it as a secret'),
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
      ctx.logger.info(`${files.length} files (${binaryPaths.size} binary) to push to ${owner}/${repo}@${branch}, tree ${expectedTree}`);

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
          const pusher = new TreePusher(octokit, owner, repo, options.clientOptions.repoReadyTimeoutMs, fail, ctx.logger);
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

type PushRequest = {
  files: GitFile[];
  binaryPaths: Set<string>;
  expectedTree: string;
  branch: string;
  message: string;
  author?: { name: string; email: string };
};

class TreePusher {
  constructor(
    private readonly octokit: GithubClient,
    private readonly owner: string,
    private readonly repo: string,
    private readonly readyTimeoutMs: number,
    private readonly fail: (action: string) => (error: unknown) => never,
    private readonly logger: LoggerService,
  ) {}

  async push(req: PushRequest): Promise<{ commitHash: string; htmlUrl: string }> {
    const { owner, repo } = this;
    const repository = await this.whenReady(() => this.octokit.rest.repos.get({ owner, repo }), 'read');
    const defaultBranch = repository.data.default_branch;
    const htmlUrl = repository.data.html_url;

    // What the branch holds now decides between "done already", "ours to replace" and "someone else's".
    const current = await this.branchHead(req.branch);
    if (current) {
      if (current.tree === req.expectedTree) {
        this.logger.info(`${owner}/${repo}@${req.branch} already holds this content (commit ${current.sha}); nothing to push`);
        await this.makeDefault(req.branch, defaultBranch);
        return { commitHash: current.sha, htmlUrl };
      }
      if (!current.isBootstrap) {
        throw new ConflictError(
          `Branch ${req.branch} of ${owner}/${repo} already has commits that this action did not make; nothing was pushed`,
        );
      }
    }

    let bootstrapBranch: string | undefined;
    if (!current && (await this.isEmpty())) {
      bootstrapBranch = await this.bootstrap();
    }

    const binaryShas = await this.uploadBinaryBlobs(req.files.filter(f => req.binaryPaths.has(f.path)));
    const tree = await this.whenReady(
      () =>
        this.octokit.rest.git.createTree({
          owner,
          repo,
          tree: req.files.map(file =>
            binaryShas.has(file.path)
              ? { path: file.path, mode: file.mode, type: 'blob' as const, sha: binaryShas.get(file.path)! }
              : { path: file.path, mode: file.mode, type: 'blob' as const, content: file.content.toString('utf8') },
          ),
        }),
      'create the tree in',
    );
    if (tree.data.sha !== req.expectedTree) {
      throw new Error(
        `GitHub built tree ${tree.data.sha} but the workspace hashes to ${req.expectedTree}; refusing to commit content that differs from what was rendered`,
      );
    }
    const commit = await this.octokit.rest.git
      .createCommit({ owner, repo, message: req.message, tree: tree.data.sha, parents: [], ...(req.author ? { author: req.author } : {}) })
      .catch(this.fail('create the commit in'));
    const sha = commit.data.sha;

    const ref = `heads/${req.branch}`;
    if (current || bootstrapBranch === req.branch) {
      await this.octokit.rest.git.updateRef({ owner, repo, ref, sha, force: true }).catch(this.fail('update the branch of'));
    } else {
      await this.octokit.rest.git.createRef({ owner, repo, ref: `refs/${ref}`, sha }).catch(this.fail('create the branch in'));
    }
    await this.makeDefault(req.branch, bootstrapBranch ?? defaultBranch);
    if (bootstrapBranch && bootstrapBranch !== req.branch) {
      await this.octokit.rest.git
        .deleteRef({ owner, repo, ref: `heads/${bootstrapBranch}` })
        .catch(this.fail('delete the bootstrap branch of'));
    }
    this.logger.info(`Pushed ${req.files.length} files to ${owner}/${repo}@${req.branch} as commit ${sha}`);
    return { commitHash: sha, htmlUrl };
  }

  private async branchHead(branch: string) {
    const { owner, repo } = this;
    try {
      const ref = await this.octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
      const commit = await this.octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.data.object.sha });
      return {
        sha: commit.data.sha,
        tree: commit.data.tree.sha,
        isBootstrap: commit.data.message === BOOTSTRAP_MESSAGE && commit.data.parents.length === 0,
      };
    } catch (error) {
      const status = githubStatus(error);
      if (status === 404 || (status === 409 && EMPTY_REPO_MESSAGE.test(githubMessage(error)))) return undefined;
      return this.fail('read the branch of')(error);
    }
  }

  private async isEmpty(): Promise<boolean> {
    const { owner, repo } = this;
    try {
      const commits = await this.octokit.rest.repos.listCommits({ owner, repo, per_page: 1 });
      return commits.data.length === 0;
    } catch (error) {
      if (githubStatus(error) === 409) return true;
      return this.fail('list the commits of')(error);
    }
  }

  /** One file through the Contents API, the only write GitHub accepts on an empty repository. Returns its branch. */
  private async bootstrap(): Promise<string> {
    const { owner, repo } = this;
    const result = await this.whenReady(
      () =>
        this.octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path: BOOTSTRAP_PATH,
          message: BOOTSTRAP_MESSAGE,
          content: Buffer.from('Replaced by the first real commit.\n').toString('base64'),
        }),
      'write the first file to',
    );
    const repository = await this.octokit.rest.repos.get({ owner, repo }).catch(this.fail('read'));
    this.logger.info(`Bootstrapped the empty repository with commit ${result.data.commit.sha}`);
    return repository.data.default_branch;
  }

  private async uploadBinaryBlobs(binaries: GitFile[]): Promise<Map<string, string>> {
    const { owner, repo } = this;
    const shas = new Map<string, string>();
    for (let i = 0; i < binaries.length; i += BLOB_CONCURRENCY) {
      await Promise.all(
        binaries.slice(i, i + BLOB_CONCURRENCY).map(async file => {
          const blob = await this.whenReady(
            () => this.octokit.rest.git.createBlob({ owner, repo, content: file.content.toString('base64'), encoding: 'base64' }),
            'upload a file to',
          );
          shas.set(file.path, blob.data.sha);
        }),
      );
    }
    return shas;
  }

  private async makeDefault(branch: string, currentDefault: string) {
    if (branch === currentDefault) return;
    const { owner, repo } = this;
    await this.octokit.rest.repos
      .update({ owner, repo, default_branch: branch })
      .catch(this.fail('set the default branch of'));
  }

  /**
   * GitHub answers 404, or 409 other than "empty", for a short while after a
   * repository is created. Wait for it (bounded) instead of failing the task.
   */
  private async whenReady<T>(call: () => Promise<T>, action: string): Promise<T> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const status = githubStatus(error);
        const notReady = status === 404 || (status === 409 && !EMPTY_REPO_MESSAGE.test(githubMessage(error)));
        if (!notReady || Date.now() >= deadline) return this.fail(action)(error);
        const delay = Math.min(250 * 2 ** (attempt - 1), 4000, Math.max(deadline - Date.now(), 0));
        this.logger.info(`${this.owner}/${this.repo} is not ready yet (${status}); retrying in ${delay} ms`);
        await new Promise(r => setTimeout(r, delay));
      }
    }
  }
}
