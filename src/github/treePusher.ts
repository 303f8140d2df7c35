import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { retryWithBackoff } from '../util/retry';
import { GITHUB_INITIAL_COMMIT_MESSAGE } from './adoption';
import { GithubClient } from './client';
import { githubMessage, githubStatus } from './errors';
import { FreshRepository } from './freshRepositories';
import { GitFile } from './gitObjects';

/** Content of the one-file commit that makes an EMPTY repository (made elsewhere) usable for the Git Data API. */
const BOOTSTRAP_PATH = '.golden-path-bootstrap';
const BOOTSTRAP_MESSAGE = 'Bootstrap (replaced by the golden path initial commit)';
const EMPTY_REPO_MESSAGE = /Git Repository is empty/i;
const BLOB_CONCURRENCY = 4;
/** GitHub makes its initial commit when it creates the repository: their dates match closely. */
const INITIAL_COMMIT_WINDOW_MS = 60_000;
/** How long a just-created repository may still answer "empty" before we take it at its word. */
const INITIAL_COMMIT_GRACE_MS = 5_000;

/** A repository we created with GitHub's initial commit still answers "empty": it has none. */
class StillEmpty extends Error {}

export type PushRequest = {
  files: GitFile[];
  binaryPaths: Set<string>;
  expectedTree: string;
  branch: string;
  message: string;
  author?: { name: string; email: string };
};

type BranchHead = { sha: string; tree: string; parents: number; message: string; date: string };

/**
 * Writes a set of files to a branch as ONE parentless commit through the Git Data API.
 *
 * A repository this task's create step has just made (`fresh`) holds only GitHub's initial
 * commit on a known branch: the push is then blobs (binary files only), one tree, one commit and
 * one ref update, with no reads. Otherwise (a resumed task, the action used on its own) it reads
 * the branch first: a branch that already holds exactly this tree is done; one that holds only
 * GitHub's initial commit or our bootstrap commit is replaced; anything else is someone's work
 * and a ConflictError. An empty repository is bootstrapped through the Contents API.
 *
 * Every write is safe to send twice (octokit re-sends after a dropped connection even when GitHub
 * stored the first one): blobs, trees and commits are content-addressed, ref updates are forced
 * to a known commit, and the answers "already exists" / "does not exist" of a repeated
 * create/delete are checked and accepted.
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

  async push(req: PushRequest, fresh?: FreshRepository): Promise<{ commitHash: string; htmlUrl: string }> {
    return fresh ? this.pushFresh(req, fresh) : this.pushAfterReading(req);
  }

  /** The request floor: nothing read, GitHub's initial commit replaced. */
  private async pushFresh(req: PushRequest, fresh: FreshRepository) {
    let sha: string;
    try {
      // just created: GitHub may still answer "empty" for a moment until its initial commit lands
      sha = await this.writeCommit(req, true);
    } catch (error) {
      if (!(error instanceof StillEmpty)) throw error;
      this.logger.info(`${this.owner}/${this.repo} has no initial commit; reading it and bootstrapping it instead`);
      return this.pushAfterReading(req);
    }
    if (req.branch === fresh.initialBranch) {
      await this.forceBranch(req.branch, sha);
    } else {
      await this.createBranch(req.branch, sha);
      await this.makeDefault(req.branch, fresh.initialBranch);
      await this.deleteBranch(fresh.initialBranch);
    }
    this.logger.info(`Pushed ${req.files.length} files to ${this.owner}/${this.repo}@${req.branch} as commit ${sha}`);
    return { commitHash: sha, htmlUrl: fresh.htmlUrl };
  }

  private async pushAfterReading(req: PushRequest) {
    const { owner, repo } = this;
    const repository = await this.whenReady(() => this.octokit.rest.repos.get({ owner, repo }), 'read', false);
    const { default_branch: defaultBranch, html_url: htmlUrl, created_at: createdAt } = repository.data;

    const current = await this.branchHead(req.branch);
    if (current === 'empty') {
      const bootstrapBranch = await this.bootstrap();
      const sha = await this.writeCommit(req, false);
      if (bootstrapBranch === req.branch) await this.forceBranch(req.branch, sha);
      else {
        await this.createBranch(req.branch, sha);
        await this.makeDefault(req.branch, bootstrapBranch);
        await this.deleteBranch(bootstrapBranch);
      }
      this.logger.info(`Pushed ${req.files.length} files to ${owner}/${repo}@${req.branch} as commit ${sha}`);
      return { commitHash: sha, htmlUrl };
    }
    if (current) {
      if (current.tree === req.expectedTree) {
        this.logger.info(
          `${owner}/${repo}@${req.branch} already holds this content (commit ${current.sha}); nothing to push`,
        );
        await this.retireFormerDefault(req.branch, defaultBranch, createdAt);
        return { commitHash: current.sha, htmlUrl };
      }
      if (!(await this.isReplaceable(current, createdAt))) {
        throw new ConflictError(
          `Branch ${req.branch} of ${owner}/${repo} already has commits that this action did not make; nothing was pushed`,
        );
      }
      const sha = await this.writeCommit(req, false);
      await this.forceBranch(req.branch, sha);
      await this.retireFormerDefault(req.branch, defaultBranch, createdAt);
      this.logger.info(`Pushed ${req.files.length} files to ${owner}/${repo}@${req.branch} as commit ${sha}`);
      return { commitHash: sha, htmlUrl };
    }
    // The branch does not exist yet in a repository that has one: only over a default branch we may replace.
    const defaultHead = await this.branchHead(defaultBranch);
    if (defaultHead && defaultHead !== 'empty' && !(await this.isReplaceable(defaultHead, createdAt))) {
      throw new ConflictError(
        `${owner}/${repo} already has commits on ${defaultBranch} that this action did not make; nothing was pushed`,
      );
    }
    const sha = await this.writeCommit(req, false);
    await this.createBranch(req.branch, sha);
    await this.retireFormerDefault(req.branch, defaultBranch, createdAt);
    this.logger.info(`Pushed ${req.files.length} files to ${owner}/${repo}@${req.branch} as commit ${sha}`);
    return { commitHash: sha, htmlUrl };
  }

  /** Blobs for binary files, the tree (checked against the local hash), a parentless commit. */
  private async writeCommit(req: PushRequest, justCreated: boolean): Promise<string> {
    const { owner, repo } = this;
    const binaryShas = await this.uploadBinaryBlobs(
      req.files.filter(f => req.binaryPaths.has(f.path)),
      justCreated,
    );
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
      justCreated,
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
    return commit.data.sha;
  }

  private async branchHead(branch: string): Promise<BranchHead | 'empty' | undefined> {
    const { owner, repo } = this;
    let sha: string;
    try {
      sha = (await this.octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })).data.object.sha;
    } catch (error) {
      const status = githubStatus(error);
      if (status === 409 && EMPTY_REPO_MESSAGE.test(githubMessage(error))) return 'empty';
      if (status === 404) return undefined; // no such branch
      return this.fail('read the branch of')(error);
    }
    const { data } = await this.octokit.rest.git
      .getCommit({ owner, repo, commit_sha: sha })
      .catch(this.fail('read the branch of'));
    return {
      sha: data.sha,
      tree: data.tree.sha,
      parents: data.parents.length,
      message: data.message,
      date: data.committer?.date ?? '',
    };
  }

  /** Ours to replace: our bootstrap commit, or GitHub's untouched initial commit (a README, made with the repository). */
  private async isReplaceable(head: BranchHead, repoCreatedAt: string | null | undefined): Promise<boolean> {
    if (head.parents !== 0) return false;
    if (head.message === BOOTSTRAP_MESSAGE) return true;
    if (head.message.trim() !== GITHUB_INITIAL_COMMIT_MESSAGE) return false;
    const made = Date.parse(head.date);
    const created = Date.parse(repoCreatedAt ?? '');
    if (Number.isNaN(made) || Number.isNaN(created) || Math.abs(made - created) > INITIAL_COMMIT_WINDOW_MS)
      return false;
    const { owner, repo } = this;
    const tree = await this.octokit.rest.git
      .getTree({ owner, repo, tree_sha: head.tree })
      .catch(this.fail('read the initial commit of'));
    return tree.data.tree.every(
      entry => entry.type === 'blob' && /^(README\.md|LICENSE|\.gitignore)$/.test(entry.path ?? ''),
    );
  }

  /** One file through the Contents API, the only write GitHub accepts on an empty repository. Returns its branch. */
  private async bootstrap(): Promise<string> {
    const { owner, repo } = this;
    try {
      await this.whenReady(
        () =>
          this.octokit.rest.repos.createOrUpdateFileContents({
            owner,
            repo,
            path: BOOTSTRAP_PATH,
            message: BOOTSTRAP_MESSAGE,
            content: Buffer.from('Replaced by the first real commit.\n').toString('base64'),
          }),
        'write the first file to',
        false,
      );
    } catch (error) {
      // A repeated PUT whose first attempt GitHub stored: 422 "sha" wasn't supplied. Fine if the file is ours.
      const head = await this.readDefaultHead();
      if (!head || head.message !== BOOTSTRAP_MESSAGE || head.parents !== 0) throw error;
    }
    const repository = await this.octokit.rest.repos.get({ owner, repo }).catch(this.fail('read'));
    this.logger.info(`Bootstrapped the empty repository on ${repository.data.default_branch}`);
    return repository.data.default_branch;
  }

  private async readDefaultHead(): Promise<BranchHead | undefined> {
    const { owner, repo } = this;
    const repository = await this.octokit.rest.repos.get({ owner, repo }).catch(this.fail('read'));
    const head = await this.branchHead(repository.data.default_branch);
    return head === 'empty' ? undefined : head;
  }

  private async uploadBinaryBlobs(binaries: GitFile[], justCreated: boolean): Promise<Map<string, string>> {
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
            justCreated,
          );
          shas.set(file.path, blob.data.sha);
        }),
      );
    }
    return shas;
  }

  private async forceBranch(branch: string, sha: string) {
    const { owner, repo } = this;
    await this.octokit.rest.git
      .updateRef({ owner, repo, ref: `heads/${branch}`, sha, force: true })
      .catch(this.fail('update the branch of'));
  }

  private async createBranch(branch: string, sha: string) {
    const { owner, repo } = this;
    try {
      await this.octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha });
    } catch (error) {
      // "Reference already exists": a repeated request whose first attempt was stored, if it points at our commit
      if (githubStatus(error) !== 422) return this.fail('create the branch in')(error);
      const existing = await this.octokit.rest.git
        .getRef({ owner, repo, ref: `heads/${branch}` })
        .catch(this.fail('read the branch of'));
      if (existing.data.object.sha !== sha) {
        throw new ConflictError(
          `Branch ${branch} of ${owner}/${repo} was created by someone else meanwhile; nothing was pushed`,
        );
      }
    }
  }

  private async deleteBranch(branch: string) {
    const { owner, repo } = this;
    await this.octokit.rest.git.deleteRef({ owner, repo, ref: `heads/${branch}` }).catch(error => {
      // "Reference does not exist": deleted already (a repeated request)
      if (githubStatus(error) !== 422) this.fail('delete the initial branch of')(error);
    });
  }

  private async makeDefault(branch: string, currentDefault: string) {
    if (branch === currentDefault) return;
    const { owner, repo } = this;
    await this.octokit.rest.repos
      .update({ owner, repo, default_branch: branch })
      .catch(this.fail('set the default branch of'));
  }

  /** Makes `branch` the default; the former default goes if it holds only a commit we may replace. */
  private async retireFormerDefault(branch: string, currentDefault: string, repoCreatedAt: string | null | undefined) {
    if (branch === currentDefault) return;
    const former = await this.branchHead(currentDefault);
    await this.makeDefault(branch, currentDefault);
    if (former && former !== 'empty' && (await this.isReplaceable(former, repoCreatedAt))) {
      await this.deleteBranch(currentDefault);
    }
  }

  /**
   * GitHub answers 404, or 409 other than "empty", for a short while after a repository is
   * created. Wait for it (bounded) instead of failing the task. Right after our own create
   * (`justCreated`) it may also answer 409 "empty" until its initial commit lands; past a short
   * grace that answer is taken at its word (StillEmpty: the caller bootstraps instead).
   */
  private async whenReady<T>(call: () => Promise<T>, action: string, justCreated: boolean): Promise<T> {
    const started = Date.now();
    const stillEmpty = (error: unknown) => githubStatus(error) === 409 && EMPTY_REPO_MESSAGE.test(githubMessage(error));
    try {
      return await retryWithBackoff(call, {
        minDelayMs: 250,
        maxDelayMs: 4000,
        maxTimeMs: this.readyTimeoutMs,
        retryIf: error => {
          const status = githubStatus(error);
          if (status === 404 || (status === 409 && !stillEmpty(error))) return true;
          return justCreated && stillEmpty(error) && Date.now() - started < INITIAL_COMMIT_GRACE_MS;
        },
        onRetry: error =>
          this.logger.info(`${this.owner}/${this.repo} is not ready yet (${githubStatus(error)}); retrying`),
      });
    } catch (error) {
      if (justCreated && stillEmpty(error)) throw new StillEmpty();
      return this.fail(action)(error);
    }
  }
}
