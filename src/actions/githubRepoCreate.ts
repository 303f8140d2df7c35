import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkActionsSettings, WORKFLOW_ACCESS_LEVELS, WorkflowAccess } from '../github/actionsSettings';
import { parseAccess, parseCollaborators } from '../github/access';
import { clockSkewBounds, reasonsNotOurs } from '../github/adoption';
import {
  connectToRepository,
  FailureFactory,
  GithubActionOptions,
  GithubClient,
  resolveGithubActionOptions,
} from '../github/client';
import { githubExplanation, githubStatus } from '../github/errors';
import { freshRepositories } from '../github/freshRepositories';
import {
  checkRepositorySettings,
  createCoversSettings,
  createSettingsBody,
  RepositorySettingsInput,
  SQUASH_MESSAGES,
  SQUASH_TITLES,
} from '../github/repoSettings';
import { RepositorySetup } from '../github/repositorySetup';
import { GithubRepoLocation, resolveGithubRepo } from '../github/repoUrl';

export const GITHUB_REPO_CREATE_ACTION_ID = 'goldenpath:github:repo:create';

const TOPIC_RULE = /^[a-z0-9][a-z0-9-]{0,49}$/;
const BRANCH_RULE = /^(?!\/|.*(?:\/\.|\/\/|\.\.|@\{|\\))[^\x00-\x20~^:?*[\x7f]+(?<![./]|\.lock)$/;
const NAME_TAKEN = /already exists/i;
const VISIBILITIES = ['private', 'internal', 'public'] as const;
type Visibility = (typeof VISIBILITIES)[number];

/** What the create checkpoint keeps (JSON; no secret). */
type CreatedRepo = {
  owner: string;
  repo: string;
  htmlUrl: string;
  remoteUrl: string;
  /** the branch GitHub's initial commit is on */
  initialBranch: string;
};

type CreateRequest = {
  location: GithubRepoLocation;
  visibility: Visibility;
  settings: RepositorySettingsInput;
  customProperties?: Record<string, string | string[]>;
  intentAtMs: number;
};

/**
 * Creates a GitHub repository for the new component, in an organisation or the credential's own
 * account, with everything publish:github sets up on one (settings, access, topics, Actions
 * variables and secrets, OIDC subject template, workflow access, custom properties), under
 * publish:github's input names and defaults.
 *
 * A fresh task makes ONE request for the repository itself (settings and custom properties ride
 * on it) plus one per extra setting. The repository is created with GitHub's initial commit so the
 * push step can write Git Data straight away; the push replaces that commit.
 *
 * Safe to retry: intent and result are checkpointed. A repository that already exists is adopted
 * only on evidence that this task created it (time against the recorded intent with GitHub's clock
 * measured, GitHub's initial commit only, the settings asked for); anything else is a conflict and
 * nothing in it is touched. Every setting is applied so that applying it again converges.
 */
export function createGithubRepoCreateAction(actionOptions: GithubActionOptions) {
  const options = resolveGithubActionOptions(actionOptions);
  return createTemplateAction({
    id: GITHUB_REPO_CREATE_ACTION_ID,
    description:
      'Creates a GitHub repository (organisation or user account) and sets it up as publish:github does: settings, access, topics, Actions variables and secrets, OIDC subject, workflow access, custom properties. Credentials from integrations.github. Safe to retry; never touches a repository it did not create.',
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
          '      repoVisibility: private',
          '      topics: [stateful, golden-path]',
        ].join('\n'),
      },
      {
        description: "Give the owner's team maintain access, set the homepage, Actions variables and a secret",
        example: [
          'steps:',
          '  - id: create',
          '    name: Create repository',
          '    action: goldenpath:github:repo:create',
          '    input:',
          '      repoUrl: ${{ parameters.repoUrl }}',
          '      homepage: https://${{ parameters.name }}.example.com',
          '      collaborators:',
          '        - team: ${{ parameters.owner }}',
          '          access: maintain',
          '      hasWiki: false',
          '      deleteBranchOnMerge: true',
          '      repoVariables:',
          '        AWS_REGION: eu-west-1',
          '      secrets:',
          '        REGISTRY_TOKEN: ${{ secrets.registryToken }}',
          '      oidcCustomization:',
          '        useDefault: false',
          '        includeClaimKeys: [repo, context]',
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
        homepage: z => z.string().optional().describe('Repository homepage: an http(s) URL'),
        repoVisibility: z =>
          z
            .enum(VISIBILITIES)
            .optional()
            .describe('Repository visibility (default private; internal needs an Enterprise organisation)'),
        visibility: z =>
          z.enum(VISIBILITIES).optional().describe('Older name of repoVisibility; give one or the other'),
        topics: z =>
          z
            .array(z.string())
            .optional()
            .describe('GitHub topics: lowercase letters, digits and hyphens, at most 50 characters each'),
        defaultBranch: z =>
          z.string().optional().describe('Name of the default branch the push step will create (default main)'),
        access: z =>
          z
            .string()
            .optional()
            .describe(
              'One more admin besides the owner: a user login, or org/team-slug for a team of the owning organisation. Fails the task when GitHub refuses it',
            ),
        collaborators: z =>
          z
            .array(
              z.union([
                z.object({
                  access: z.string().describe('Role: pull, triage, push, maintain, admin or a custom role name'),
                  user: z.string().describe('GitHub login (an entity reference works too: user:default/jdoe)'),
                }),
                z.object({
                  access: z.string().describe('Role: pull, triage, push, maintain, admin or a custom role name'),
                  team: z.string().describe('Team slug of the owning organisation (or group:default/<slug>)'),
                }),
              ]),
            )
            .optional()
            .describe(
              'More users and teams with their roles; a grant GitHub refuses is a warning, as in publish:github',
            ),
        hasIssues: z => z.boolean().optional().describe("Enable issues (default: GitHub's, true)"),
        hasWiki: z => z.boolean().optional().describe("Enable the wiki (default: GitHub's, true)"),
        hasProjects: z =>
          z
            .boolean()
            .optional()
            .describe("Enable projects (default: GitHub's, true unless the organisation disabled them)"),
        allowMergeCommit: z => z.boolean().optional().describe('Allow merge commits (default true)'),
        allowSquashMerge: z => z.boolean().optional().describe('Allow squash merges (default true)'),
        allowRebaseMerge: z => z.boolean().optional().describe('Allow rebase merges (default true)'),
        allowAutoMerge: z => z.boolean().optional().describe('Allow auto-merge of pull requests (default false)'),
        allowUpdateBranch: z =>
          z
            .boolean()
            .optional()
            .describe('Suggest updating pull request branches (default false; true costs one more request)'),
        deleteBranchOnMerge: z => z.boolean().optional().describe('Delete head branches after merging (default false)'),
        squashMergeCommitTitle: z =>
          z.enum(SQUASH_TITLES).optional().describe('Default squash commit title (default COMMIT_OR_PR_TITLE)'),
        squashMergeCommitMessage: z =>
          z.enum(SQUASH_MESSAGES).optional().describe('Default squash commit message (default COMMIT_MESSAGES)'),
        customProperties: z =>
          z
            .record(z.union([z.string(), z.array(z.string())]))
            .optional()
            .describe('Custom properties the organisation defines (organisation repositories only)'),
        workflowAccess: z =>
          z
            .enum(WORKFLOW_ACCESS_LEVELS)
            .optional()
            .describe(
              'Which workflows outside this repository may use its actions and reusable workflows (private repositories)',
            ),
        repoVariables: z =>
          z.record(z.string()).optional().describe('GitHub Actions variables of the repository (name → value)'),
        secrets: z =>
          z
            .record(z.string())
            .optional()
            .describe(
              'GitHub Actions secrets (name → value), encrypted for the repository before they leave; pass values from ${{ secrets.* }}',
            ),
        oidcCustomization: z =>
          z
            .object({
              useDefault: z.boolean().optional().describe('Use GitHub’s default subject claim (default true)'),
              includeClaimKeys: z
                .array(z.string())
                .optional()
                .describe('Claim keys of the subject, e.g. [repo, context]; required when useDefault is false'),
            })
            .optional()
            .describe(
              "The OIDC subject claim template of the repository's workflows (e.g. the delivery workflow's cloud role)",
            ),
        subscribe: z => z.boolean().optional().describe('Watch the repository as the credential (default false)'),
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
      const input = ctx.input;
      const location = resolveGithubRepo(input.repoUrl, options.integrations);
      const { owner, repo, host } = location;
      const defaultBranch = input.defaultBranch ?? 'main';
      if (input.repoVisibility && input.visibility && input.repoVisibility !== input.visibility) {
        throw new InputError(
          `repoVisibility: "${input.repoVisibility}" contradicts visibility "${input.visibility}"; give one`,
        );
      }
      const visibility: Visibility = input.repoVisibility ?? input.visibility ?? 'private';
      // lower-cased, as publish:github does; anything else GitHub would refuse is refused here, before any request
      const topics = (input.topics ?? []).map(t => t.toLowerCase());
      const badTopics = (input.topics ?? []).filter(t => !TOPIC_RULE.test(t.toLowerCase()));
      if (badTopics.length) {
        throw new InputError(
          `topics: ${badTopics.map(t => JSON.stringify(t)).join(', ')} must be lowercase letters, digits and hyphens, at most 50 characters`,
        );
      }
      if (!BRANCH_RULE.test(defaultBranch)) {
        throw new InputError(`defaultBranch: "${defaultBranch}" is not a valid git branch name`);
      }
      const settings: RepositorySettingsInput = {
        description: input.description,
        homepage: input.homepage,
        hasIssues: input.hasIssues,
        hasWiki: input.hasWiki,
        hasProjects: input.hasProjects,
        allowMergeCommit: input.allowMergeCommit,
        allowSquashMerge: input.allowSquashMerge,
        allowRebaseMerge: input.allowRebaseMerge,
        allowAutoMerge: input.allowAutoMerge,
        allowUpdateBranch: input.allowUpdateBranch,
        deleteBranchOnMerge: input.deleteBranchOnMerge,
        squashMergeCommitTitle: input.squashMergeCommitTitle,
        squashMergeCommitMessage: input.squashMergeCommitMessage,
      };
      checkRepositorySettings(settings);
      const access = parseAccess(input.access, owner);
      const collaborators = parseCollaborators(input.collaborators, owner);
      checkActionsSettings(input);
      const secretValues = Object.values(input.secrets ?? {});

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

      const { octokit, failure: fail } = await connectToRepository(
        options,
        location,
        input.token,
        ctx.logger,
        secretValues,
      );

      const taskId = ctx.task?.id;
      // whatever an earlier run of this task left for the push is stale now
      if (taskId) freshRepositories.take(taskId, host, owner, repo);
      // Recorded before the request: on resume it tells "created by this task, then crashed" apart from "already there".
      const intent = await ctx.checkpoint({
        key: `github.repo.create.intent.v2.${host}/${owner}/${repo}`,
        fn: async () => ({ at: new Date().toISOString(), run: randomUUID() }),
      });
      let createdNow = false;
      const created = await ctx.checkpoint({
        key: `github.repo.create.v2.${host}/${owner}/${repo}`,
        fn: async (): Promise<CreatedRepo> => {
          const request: CreateRequest = {
            location,
            visibility,
            settings,
            customProperties: input.customProperties,
            intentAtMs: Date.parse(intent.at),
          };
          const result = await createRepository(octokit, request, fail, ctx.logger);
          createdNow = !result.adopted;
          return result.repository;
        },
      });

      await new RepositorySetup(octokit, owner, repo, fail, ctx.logger).apply({
        // on a resumed or adopted repository, what rode on the create request is applied again
        updateSettings: createdNow && createCoversSettings(settings) ? undefined : settings,
        customProperties: createdNow ? undefined : input.customProperties,
        access,
        collaborators,
        topics,
        repoVariables: input.repoVariables,
        secrets: input.secrets,
        oidcCustomization: input.oidcCustomization,
        workflowAccess: input.workflowAccess as WorkflowAccess | undefined,
        subscribe: input.subscribe,
      });
      if (createdNow && taskId) {
        // The push step of this task, next, need not read what we know: the repository exists and
        // holds only GitHub's initial commit. Only after a complete run: a failed one is retried with reads.
        freshRepositories.remember(taskId, host, owner, repo, {
          htmlUrl: created.htmlUrl,
          initialBranch: created.initialBranch,
        });
      }
      emit(created);
    },
  });
}

/**
 * The one create request: in the organisation first (most golden-path repositories live in one);
 * a 404 there means the owner is a user account, then only the credential's own is possible.
 */
async function createRepository(
  octokit: GithubClient,
  req: CreateRequest,
  fail: FailureFactory,
  logger: LoggerService,
): Promise<{ repository: CreatedRepo; adopted: boolean }> {
  const { owner, repo } = req.location;
  const body = { name: repo, ...createSettingsBody(req.settings), auto_init: true };
  const orgPermission =
    'permission to create repositories in the organisation (classic token: repo scope; GitHub App: Administration read & write)';
  let response;
  try {
    response = await octokit.rest.repos.createInOrg({
      org: owner,
      // octokit 20's types predate 'internal', which Enterprise organisations accept.
      visibility: req.visibility as 'private' | 'public',
      ...(req.customProperties ? { custom_properties: req.customProperties } : {}),
      ...body,
    } as Parameters<GithubClient['rest']['repos']['createInOrg']>[0]);
  } catch (error) {
    const status = githubStatus(error);
    if (status === 422 && NAME_TAKEN.test(githubExplanation(error))) return adoptIfOurs(octokit, req, fail, logger);
    if (status !== 404) return fail('create the repository', orgPermission)(error);
    response = await createInOwnAccount(octokit, req, body, fail);
    if (!response) return adoptIfOurs(octokit, req, fail, logger);
  }
  const { data } = response;
  logger.info(`Created the ${req.visibility} repository ${data.full_name}`);
  return {
    adopted: false,
    repository: {
      owner,
      repo,
      htmlUrl: data.html_url,
      remoteUrl: data.clone_url,
      initialBranch: data.default_branch ?? 'main',
    },
  };
}

/** The owner is not an organisation the credential can create in: its own user account, or refused. Undefined: the name is taken. */
async function createInOwnAccount(
  octokit: GithubClient,
  req: CreateRequest,
  body: Record<string, unknown> & { name: string },
  fail: FailureFactory,
) {
  const { owner } = req.location;
  const me = await octokit.rest.users
    .getAuthenticated()
    .then(r => r.data.login)
    .catch(error => {
      // an App installation has no user of its own: it can only create in organisations
      if (githubStatus(error) === 403) return undefined;
      return fail('identify the user of the credential for', 'a user token or a GitHub App installation')(error);
    });
  if (me?.toLowerCase() !== owner.toLowerCase()) {
    const account = await octokit.rest.users
      .getByUsername({ username: owner })
      .then(r => r.data.type)
      .catch(error => {
        if (githubStatus(error) === 404) return undefined;
        return fail('look up the owner of', 'read access to users and organisations')(error);
      });
    if (account === undefined) {
      throw new InputError(`repoUrl: owner "${owner}" is neither an organisation nor a user on GitHub`);
    }
    if (account === 'Organization') {
      throw new InputError(
        `repoUrl: the credential cannot create repositories in the organisation ${owner} (GitHub answered 404): it is not a member, or a GitHub App is not installed there`,
      );
    }
    throw new InputError(
      `repoUrl: ${owner} is a user account other than the credential's${me ? ` (${me})` : ''}; repositories can only be created in an organisation or in the credential's own account`,
    );
  }
  if (req.visibility === 'internal') {
    throw new InputError(
      'repoVisibility: internal repositories exist only in Enterprise organisations, not in user accounts',
    );
  }
  if (req.customProperties && Object.keys(req.customProperties).length) {
    throw new InputError('customProperties: only organisation repositories have custom properties');
  }
  try {
    return await octokit.rest.repos.createForAuthenticatedUser({ ...body, private: req.visibility !== 'public' });
  } catch (error) {
    if (githubStatus(error) === 422 && NAME_TAKEN.test(githubExplanation(error))) return undefined;
    return fail('create the repository', 'the repo scope')(error);
  }
}

/**
 * GitHub said the name is taken. It is ours only on evidence (see adoption.ts); anything else
 * is someone else's repository and we stop without touching it.
 */
async function adoptIfOurs(
  octokit: GithubClient,
  req: CreateRequest,
  fail: FailureFactory,
  logger: LoggerService,
): Promise<{ repository: CreatedRepo; adopted: boolean }> {
  const { owner, repo } = req.location;
  const sentAtMs = Date.now();
  const { data, headers } = await octokit.rest.repos
    .get({ owner, repo })
    .catch(fail('read', 'read access to the repository'));
  const receivedAtMs = Date.now();
  const commits = await octokit.rest.repos
    .listCommits({ owner, repo, per_page: 2 })
    .then(r => r.data.map(c => ({ message: c.commit.message, parents: c.parents.length })))
    .catch(error => {
      if (githubStatus(error) === 409) return 'empty' as const; // "Git Repository is empty."
      return fail('list the commits of', 'read access to the repository')(error);
    });
  const reasons = reasonsNotOurs({
    createdAt: data.created_at ?? '',
    intentAtMs: req.intentAtMs,
    skew: headers.date ? clockSkewBounds({ githubDate: headers.date, sentAtMs, receivedAtMs }) : undefined,
    commits,
    description: data.description,
    expectedDescription: req.settings.description,
    visibility: data.visibility,
    expectedVisibility: req.visibility,
  });
  if (reasons.length) {
    throw new ConflictError(
      `Repository ${owner}/${repo} already exists and was not created by this task (${reasons.join('; ')}); nothing in it was changed. Choose another name or delete it first.`,
    );
  }
  logger.info(`Resuming: ${owner}/${repo} was created by this task before its answer was lost; adopting it`);
  return {
    adopted: true,
    repository: { owner, repo, htmlUrl: data.html_url, remoteUrl: data.clone_url, initialBranch: data.default_branch },
  };
}
