import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { OidcCustomization, sealSecret, WorkflowAccess } from './actionsSettings';
import { describeGrant, Grant } from './access';
import { FailureFactory, GithubClient } from './client';
import { githubExplanation, githubStatus } from './errors';
import { RepositorySettingsInput, updateSettingsBody } from './repoSettings';

/**
 * Everything publish:github sets up on a new repository after creating it, applied so that
 * running it again (a resumed task) converges on the same result: every call is a PUT/PATCH of
 * the desired state, or a create that falls back to an update when the thing already exists.
 *
 * Fail or warn, per setting (README, "Fail or warn"): a setting whose absence leaves the
 * repository more open than asked, or the delivery workflow broken, fails the task (it can be
 * retried and converges); one whose absence only leaves it less convenient warns, as
 * publish:github does.
 *   fail: settings, customProperties, access, repoVariables, secrets, oidcCustomization, workflowAccess
 *   warn: collaborators, topics, subscribe
 */
export type RepositorySetupInput = {
  /** The settings need an update call (they did not ride on the create request). */
  updateSettings?: RepositorySettingsInput;
  /** Set again with an update call (they rode on a create request this run did not make). */
  customProperties?: Record<string, string | string[]>;
  access?: Grant;
  collaborators: Grant[];
  topics: string[];
  repoVariables?: Record<string, string>;
  secrets?: Record<string, string>;
  oidcCustomization?: OidcCustomization;
  workflowAccess?: WorkflowAccess;
  subscribe?: boolean;
};

const ADMIN = 'Administration: write on the repository (classic token: repo scope)';

export class RepositorySetup {
  private readonly warnings: string[] = [];

  constructor(
    private readonly octokit: GithubClient,
    private readonly owner: string,
    private readonly repo: string,
    private readonly fail: FailureFactory,
    private readonly logger: LoggerService,
  ) {}

  /** Applies everything asked for; returns the warnings (also logged). */
  async apply(input: RepositorySetupInput): Promise<string[]> {
    const { octokit, owner, repo } = this;
    if (input.updateSettings) {
      await octokit.rest.repos
        .update({ owner, repo, ...(updateSettingsBody(input.updateSettings) as any) })
        .catch(this.fail('apply the repository settings to', ADMIN));
    }
    if (input.customProperties && Object.keys(input.customProperties).length) {
      await octokit
        .request('PATCH /repos/{owner}/{repo}/properties/values', {
          owner,
          repo,
          properties: Object.entries(input.customProperties).map(([property_name, value]) => ({
            property_name,
            value,
          })),
        })
        .catch(this.fail('set the custom properties of', 'Custom properties: write (organisation administrators)'));
    }
    if (input.access) await this.grant(input.access, 'fail');
    for (const collaborator of input.collaborators) await this.grant(collaborator, 'warn');
    if (input.topics.length) {
      await octokit.rest.repos.replaceAllTopics({ owner, repo, names: input.topics }).catch(error => {
        this.warn(`topics: not set (${githubStatus(error) ?? 'no answer'} ${githubExplanation(error)})`);
      });
    }
    for (const [name, value] of Object.entries(input.repoVariables ?? {})) await this.setVariable(name, value);
    await this.setSecrets(input.secrets ?? {});
    if (input.oidcCustomization) {
      const useDefault = input.oidcCustomization.useDefault ?? true;
      await octokit
        .request('PUT /repos/{owner}/{repo}/actions/oidc/customization/sub', {
          owner,
          repo,
          use_default: useDefault,
          ...(useDefault ? {} : { include_claim_keys: input.oidcCustomization.includeClaimKeys }),
        })
        .catch(this.fail('set the OIDC subject claim template of', ADMIN));
    }
    if (input.workflowAccess) {
      await octokit
        .request('PUT /repos/{owner}/{repo}/actions/permissions/access', {
          owner,
          repo,
          access_level: input.workflowAccess,
        })
        .catch(this.fail('set which workflows outside may use', ADMIN));
    }
    if (input.subscribe) {
      await octokit.rest.activity
        .setRepoSubscription({ owner, repo, subscribed: true, ignored: false })
        .catch(error => {
          this.warn(`subscribe: not subscribed (${githubStatus(error) ?? 'no answer'} ${githubExplanation(error)})`);
        });
    }
    return this.warnings;
  }

  private warn(message: string) {
    this.warnings.push(message);
    this.logger.warn(message);
  }

  private async grant(grant: Grant, onFailure: 'fail' | 'warn') {
    const { octokit, owner, repo } = this;
    const request =
      grant.kind === 'team'
        ? octokit.rest.teams.addOrUpdateRepoPermissionsInOrg({
            org: grant.org,
            team_slug: grant.slug,
            owner,
            repo,
            permission: grant.permission,
          })
        : octokit.rest.repos.addCollaborator({ owner, repo, username: grant.login, permission: grant.permission });
    try {
      const response = await request;
      const invited = grant.kind === 'user' && response.status === 201 ? ' (invited: they must accept)' : '';
      this.logger.info(`Granted ${describeGrant(grant)} ${grant.permission} access to ${owner}/${repo}${invited}`);
    } catch (error) {
      const status = githubStatus(error);
      const unknown = status === 404 || status === 422;
      if (onFailure === 'warn') {
        this.warn(
          `${grant.field}: ${describeGrant(grant)} did not get ${grant.permission} access (${status ?? 'no answer'} ${githubExplanation(error)})`,
        );
        return;
      }
      if (unknown) {
        throw new InputError(
          `${grant.field}: GitHub refused ${grant.permission} access for ${describeGrant(grant)} (${status} ${githubExplanation(error)}): ${
            grant.kind === 'team' ? 'the team does not exist in the organisation' : 'the user does not exist'
          }, or the grant is not allowed. ${owner}/${repo} was created; fix the team or user and retry the task.`,
        );
      }
      this.fail(
        `grant ${describeGrant(grant)} ${grant.permission} access to`,
        `${ADMIN}, and read:org for teams`,
      )(error);
    }
  }

  private async setVariable(name: string, value: string) {
    const { octokit, owner, repo } = this;
    const permission = 'Variables: write on the repository (classic token: repo scope)';
    try {
      await octokit.rest.actions.createRepoVariable({ owner, repo, name, value });
    } catch (error) {
      // already there: from an earlier run of this task, or a retried request that was stored
      if (githubStatus(error) !== 409) return this.fail(`create the Actions variable ${name} in`, permission)(error);
      await octokit.rest.actions
        .updateRepoVariable({ owner, repo, name, value })
        .catch(this.fail(`update the Actions variable ${name} in`, permission));
    }
  }

  private async setSecrets(secrets: Record<string, string>) {
    const names = Object.keys(secrets);
    if (!names.length) return;
    const { octokit, owner, repo } = this;
    const permission = 'Secrets: write on the repository (classic token: repo scope)';
    const key = await octokit.rest.actions
      .getRepoPublicKey({ owner, repo })
      .catch(this.fail('read the Actions public key of', permission));
    for (const name of names) {
      const encrypted = await sealSecret(key.data.key, secrets[name]);
      await octokit.rest.actions
        .createOrUpdateRepoSecret({
          owner,
          repo,
          secret_name: name,
          encrypted_value: encrypted,
          key_id: key.data.key_id,
        })
        .catch(this.fail(`store the Actions secret ${name} in`, permission));
    }
    this.logger.info(`Stored ${names.length} Actions secret(s) in ${owner}/${repo}: ${names.join(', ')}`);
  }
}
