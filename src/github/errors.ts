import { AuthenticationError, ConflictError, InputError, NotAllowedError, NotFoundError } from '@backstage/errors';

/** Which credential a request used, for error messages (never the credential itself). */
export type CredentialSource = 'token input' | 'integrations.github token' | 'GitHub App installation';

/** GitHub's answer, as octokit's RequestError carries it. */
export function githubStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

export function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } })?.response?.data;
  const message = typeof data?.message === 'string' ? data.message : (error as Error)?.message;
  return String(message ?? error).split('\n')[0];
}

/**
 * Turns a failed GitHub call into an error that says what we were doing, on
 * which repository, and which credential lacked which permission. Only
 * GitHub's own message is kept: never a request, header or URL with credentials.
 */
export function describeGithubFailure(
  error: unknown,
  context: { action: string; target: string; host: string; credentialSource: CredentialSource; permission: string },
): Error {
  const status = githubStatus(error);
  const github = githubMessage(error);
  const where = `${context.action} ${context.target}`;
  if (status === 401) {
    return new AuthenticationError(
      `GitHub rejected the ${context.credentialSource} for ${context.host} while trying to ${where} (401 ${github}): the credential is missing, expired or revoked`,
    );
  }
  if (status === 403) {
    return new NotAllowedError(
      `The ${context.credentialSource} for ${context.host} may not ${where} (403 ${github}): it needs ${context.permission}`,
    );
  }
  if (status === 404) {
    return new NotFoundError(
      `GitHub answered 404 while trying to ${where} (${github}): it does not exist or the ${context.credentialSource} cannot see it`,
    );
  }
  if (status === 409 || status === 422) {
    return new ConflictError(`GitHub refused to ${where} (${status} ${github})`);
  }
  if (status === 400) {
    return new InputError(`GitHub refused to ${where} (400 ${github})`);
  }
  return new Error(
    `GitHub failed while trying to ${where}${status ? ` (${status} ${github})` : ` (${github})`}, after retries`,
  );
}
