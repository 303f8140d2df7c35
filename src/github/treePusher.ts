import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { retryWithBackoff } from '../util/retry';
import { GithubClient } from './client';
import { githubMessage, githubStatus } from './errors';
import { GitFile } from './gitObjects';

/** Content of the one-file commit that makes an empty repository usable for the Git Data API. */
const BOOTSTRAP_PATH = '.golden-path-bootstrap';
const BOOTSTRAP_MESSAGE = 'Bootstrap (replaced by the golden path initial commit)';
const EMPTY_REPO_MESSAGE = /Git Repository is empty/i;
const BLOB_CONCURRENCY = 4;

export type PushRequest = {
  files: GitFile[];
  binaryPaths: Set<string>;
  expectedTree: string;
  branch: string;
  message: string;
  author?: { name: string; email: string };
};

/**
 * Writes a set of files to a branch as ONE parentless commit through the Git
 * Data API, bootstrapping an empty repository first, and recognises a branch
 * that already holds exactly this tree (a resumed task) as done.
 */
export class TreePusher {
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
        this.logger.info(
          `${owner}/${repo}@${req.branch} already holds this content (commit ${current.sha}); nothing to push`,
        );
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
      .createCommit({
        owner,
        repo,
        message: req.message,
        tree: tree.data.sha,
        parents: [],
        ...(req.author ? { author: req.author } : {}),
      })
      .catch(this.fail('create the commit in'));
    const sha = commit.data.sha;

    const ref = `heads/${req.branch}`;
    if (current || bootstrapBranch === req.branch) {
      await this.octokit.rest.git
        .updateRef({ owner, repo, ref, sha, force: true })
        .catch(this.fail('update the branch of'));
    } else {
      await this.octokit.rest.git
        .createRef({ owner, repo, ref: `refs/${ref}`, sha })
        .catch(this.fail('create the branch in'));
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
            () =>
              this.octokit.rest.git.createBlob({
                owner,
                repo,
                content: file.content.toString('base64'),
                encoding: 'base64',
              }),
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
  private whenReady<T>(call: () => Promise<T>, action: string): Promise<T> {
    return retryWithBackoff(call, {
      minDelayMs: 250,
      maxDelayMs: 4000,
      maxTimeMs: this.readyTimeoutMs,
      retryIf: error => {
        const status = githubStatus(error);
        return status === 404 || (status === 409 && !EMPTY_REPO_MESSAGE.test(githubMessage(error)));
      },
      onRetry: error =>
        this.logger.info(`${this.owner}/${this.repo} is not ready yet (${githubStatus(error)}); retrying`),
    }).catch(this.fail(action));
  }
}
