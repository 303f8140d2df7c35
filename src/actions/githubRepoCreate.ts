import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  connectToRepository,
  FailureFactory,
  GithubActionOptions,
  GithubClient,
  resolveGithubActionOptions,
} from '../github/client';
import { githubStatus } from '../github/errors';
import { resolveGithubRepo } from '../github/repoUrl';

export const GITHUB_REPO_CREATE_ACTION_ID = 'goldenpath:github:repo:create';

const TOPIC_RULE = /^[a-z0-9][a-z0-9-]{0,49}$/;
const BRANCH_RULE = /^(?!\/|.*(?:\/\.|\/\/|\.\.|@\{|\\))[^\x00-\x20~^:?*[\x7f]+(?<![./]|\.lock)$/;

/** How long before our recorded intent a repository may have been created and still be ours (clock skew). */
const ADOPTION_SKEW_MS = 5 * 60_000;

type CreatedRepo = {
  owner: string;
  repo: string;
  htmlUrl: string;
  remoteUrl: string;
};

/**
 * Creates an empty GitHub repository for the new component, in an
 * organisation or the authenticated user's account.
 *
 * Safe to retry: the intent and the result are checkpointed, so a task resumed
 * after a crash finds "its" repository instead of failing on it, while a
 * repository that existed before this task is a conflict and is left untouched.
 */
export function createGithubRepoCreateAction(actionOptions: GithubActionOptions) {
  const options = resolveGithubActionOptions(actionOptions);
  return createTemplateAction({
    id: GITHUB_REPO_CREATE_ACTION_ID,
    description:
      'Creates an empty GitHub repository (organisation or user account) with credentials from integrations.github. Safe to retry; never touches a repository it did not create.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Create a private repository from the RepoUrlPicker value',
        example: [
          'steps:',
          '  - id: create',
          '    name: Create repository',
          '    action: goldenpath:github:repo:create',
          '    input:',
          '      repoUrl: ${{ parameters.repoUrl }}',
          '      description: ${{ parameters.description }}',
          '      visibility: private',
          '      topics: [stateful, golden-path]',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        repoUrl: z =>
          z
            .string()
            .describe('Repository location as the RepoUrlPicker gives it: github.com?owner=<owner>&repo=<name>'),
        description: z => z.string().optional().describe('Repository description shown on GitHub'),
        visibility: z =>
          z
            .enum(['private', 'internal', 'public'])
            .optional()
            .describe('Repository visibility (default private; internal needs an Enterprise organisation)'),
        topics: z =>
          z
            .array(z.string())
            .optional()
            .describe('GitHub topics: lowercase letters, digits and hyphens, at most 50 characters each'),
        defaultBranch: z =>
          z.string().optional().describe('Name of the default branch the push step will create (default main)'),
        token: z =>
          z.string().optional().describe('A GitHub token that overrides integrations.github; pass it as a secret'),
      },
      output: {
        remoteUrl: z => z.string().describe('Clone URL of the repository (no credentials)'),
        repoContentsUrl: z =>
          z.string().describe('URL of the repository contents on the default branch (…/blob/<branch>)'),
        htmlUrl: z => z.string().describe('Web page of the repository'),
        owner: z => z.string().describe('Owner (organisation or user)'),
        repo: z => z.string().describe('Repository name'),
        defaultBranch: z => z.string().describe('Default branch name'),
      },
    },
    async handler(ctx) {
      const location = resolveGithubRepo(ctx.input.repoUrl, options.integrations);
      const { owner, repo, host } = location;
      const defaultBranch = ctx.input.defaultBranch ?? 'main';
      const visibility = ctx.input.visibility ?? 'private';
      const topics = ctx.input.topics ?? [];
      const badTopics = topics.filter(t => !TOPIC_RULE.test(t));
      if (badTopics.length) {
        throw new InputError(
          `topics: ${badTopics.map(t => JSON.stringify(t)).join(', ')} must be lowercase letters, digits and hyphens, at most 50 characters`,
        );
      }
      if (!BRANCH_RULE.test(defaultBranch)) {
        throw new InputError(`defaultBranch: "${defaultBranch}" is not a valid git branch name`);
      }

      const emit = (created: Pick<CreatedRepo, 'htmlUrl' | 'remoteUrl'>) => {
        ctx.output('remoteUrl', created.remoteUrl);
        ctx.output('htmlUrl', created.htmlUrl);
        ctx.output('repoContentsUrl', `${created.htmlUrl}/blob/${defaultBranch}`);
        ctx.output('owner', owner);
        ctx.output('repo', repo);
        ctx.output('defaultBranch', defaultBranch);
      };

      if (ctx.isDryRun) {
        const htmlUrl = `https://${host}/${owner}/${repo}`;
        ctx.logger.info(`Dry run: would create the ${visibility} repository ${owner}/${repo} on ${host}`);
        emit({ htmlUrl, remoteUrl: `${htmlUrl}.git` });
        return;
      }

      const { octokit, failure: fail } = await connectToRepository(options, location, ctx.input.token, ctx.logger);

      // Recorded before the request: on resume it tells "created by this task, then crashed" apart from "already there".
      const intent = await ctx.checkpoint({
        key: `github.repo.create.intent.v1.${host}/${owner}/${repo}`,
        fn: async () => ({ at: new Date().toISOString() }),
      });
      const created = await ctx.checkpoint({
        key: `github.repo.create.v1.${host}/${owner}/${repo}`,
        fn: async (): Promise<CreatedRepo> => {
          const ownerType = await octokit.rest.users
            .getByUsername({ username: owner })
            .then(r => r.data.type)
            .catch(fail('look up the owner of', 'read access to the owner'));
          const params = { name: repo, description: ctx.input.description, auto_init: false, has_wiki: false };
          // octokit 20's types predate 'internal', which Enterprise organisations accept.
          const request =
            ownerType === 'Organization'
              ? octokit.rest.repos.createInOrg({
                  org: owner,
                  visibility: visibility as 'private' | 'public',
                  ...params,
                })
              : createForUser(octokit, owner, visibility, params, fail);
          try {
            const { data } = await request;
            ctx.logger.info(`Created the ${visibility} repository ${data.full_name}`);
            return { owner, repo, htmlUrl: data.html_url, remoteUrl: data.clone_url };
          } catch (error) {
            if (githubStatus(error) !== 422) {
              return fail('create the repository', permissionToCreate(ownerType))(error);
            }
            return adoptIfOurs(octokit, owner, repo, intent.at, fail, ctx.logger);
          }
        },
      });

      if (topics.length) {
        await octokit.rest.repos
          .replaceAllTopics({ owner, repo, names: topics })
          .catch(fail('set the topics of', 'Administration: write on the repository'));
      }
      emit(created);
    },
  });
}

async function createForUser(
  octokit: GithubClient,
  owner: string,
  visibility: string,
  params: { name: string; description?: string; auto_init: boolean; has_wiki: boolean },
  fail: FailureFactory,
) {
  const me = await octokit.rest.users
    .getAuthenticated()
    .catch(fail('identify the user of the credential for', 'a user token'));
  if (me.data.login.toLowerCase() !== owner.toLowerCase()) {
    throw new InputError(
      `repoUrl: ${owner} is a user account other than the credential's (${me.data.login}); repositories can only be created in an organisation or in your own account`,
    );
  }
  if (visibility === 'internal') {
    throw new InputError(
      'visibility: internal repositories exist only in Enterprise organisations, not in user accounts',
    );
  }
  return octokit.rest.repos.createForAuthenticatedUser({ ...params, private: visibility !== 'public' });
}

function permissionToCreate(ownerType: string | undefined) {
  return ownerType === 'Organization'
    ? 'permission to create repositories in the organisation (classic token: repo scope; GitHub App: Administration read & write)'
    : 'the repo scope';
}

/**
 * GitHub said the name is taken. It is ours only if it was created after this
 * task recorded its intent and holds no commits; anything else is someone
 * else's repository and we stop without touching it.
 */
async function adoptIfOurs(
  octokit: GithubClient,
  owner: string,
  repo: string,
  intentAt: string,
  fail: FailureFactory,
  logger: { info(m: string): void },
): Promise<CreatedRepo> {
  const { data } = await octokit.rest.repos.get({ owner, repo }).catch(fail('read', 'read access to the repository'));
  const createdAfterIntent = Date.parse(data.created_at ?? '') >= Date.parse(intentAt) - ADOPTION_SKEW_MS;
  const empty = await octokit.rest.repos
    .listCommits({ owner, repo, per_page: 1 })
    .then(r => r.data.length === 0)
    .catch(error => {
      if (githubStatus(error) === 409) return true; // "Git Repository is empty."
      throw error;
    });
  if (createdAfterIntent && empty) {
    logger.info(`Resuming: ${owner}/${repo} was created by this task before it was interrupted`);
    return { owner, repo, htmlUrl: data.html_url, remoteUrl: data.clone_url };
  }
  throw new ConflictError(
    `Repository ${owner}/${repo} already exists and was not created by this task; nothing in it was changed. Choose another name or delete it first.`,
  );
}
