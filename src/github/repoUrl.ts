import { InputError } from '@backstage/errors';
import { GithubIntegrationConfig, ScmIntegrationRegistry } from '@backstage/integration';
import { parseRepoUrl } from '@backstage/plugin-scaffolder-node';

export type GithubRepoLocation = {
  host: string;
  owner: string;
  repo: string;
  integration: GithubIntegrationConfig;
};

// GitHub's own rules: logins are alphanumerics and single hyphens (≤39); repository
// names are letters, digits, '.', '_' and '-' (≤100), never '.' or '..'.
const OWNER_RULE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO_RULE = /^[A-Za-z0-9._-]{1,100}$/;

/** Reads a RepoUrlPicker value (`github.com?owner=o&repo=r`) and finds its GitHub integration. */
export function resolveGithubRepo(repoUrl: string, integrations: ScmIntegrationRegistry): GithubRepoLocation {
  const host = safeHost(repoUrl);
  if (host && !integrations.github.byHost(host)) {
    throw new InputError(
      `repoUrl: no GitHub integration is configured for host "${host}" (add it under integrations.github)`,
    );
  }
  let parsed;
  try {
    parsed = parseRepoUrl(repoUrl, integrations);
  } catch (error) {
    throw new InputError(`repoUrl: "${repoUrl}" is not a repository location: ${(error as Error).message}`);
  }
  const { owner, repo } = parsed;
  const integration = integrations.github.byHost(parsed.host);
  if (!integration) {
    throw new InputError(
      `repoUrl: no GitHub integration is configured for host "${host}" (add it under integrations.github)`,
    );
  }
  if (!owner || !OWNER_RULE.test(owner)) {
    throw new InputError(`repoUrl: owner "${owner ?? ''}" is not a valid GitHub user or organisation name`);
  }
  if (!REPO_RULE.test(repo) || repo === '.' || repo === '..' || repo.toLowerCase().endsWith('.git')) {
    throw new InputError(
      `repoUrl: repository name "${repo}" is not valid on GitHub (letters, digits, ".", "_", "-", at most 100, not ending in .git)`,
    );
  }
  return { host: parsed.host, owner, repo, integration: integration.config };
}

function safeHost(repoUrl: string): string | undefined {
  try {
    return new URL(`https://${repoUrl}`).host;
  } catch {
    return undefined;
  }
}
