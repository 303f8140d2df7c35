import { AuthenticationError, ConflictError, InputError, NotAllowedError, NotFoundError } from '@backstage/errors';

/** Which credential a request used, for error messages (never the credential itself). */
export type CredentialSource = 'token input' | 'integrations.github token' | 'GitHub App installation';

/** Longest GitHub explanation kept in an error: enough for every errors[] entry of a real answer. */
const MAX_DETAIL_LENGTH = 1500;

type GithubErrorBody = { message?: unknown; errors?: unknown };

/** GitHub's answer, as octokit's RequestError carries it. */
export function githubStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The answer's body. A body that is not an object (a text or HTML page, null) has no `message` or
 * `errors` property, so reading them gives undefined without checking its type first.
 */
function githubBody(error: unknown): GithubErrorBody | undefined {
  return (error as { response?: { data?: GithubErrorBody } })?.response?.data;
}

/** GitHub's `message`, whole (its lines joined), or the error's own message when GitHub sent none. */
export function githubMessage(error: unknown): string {
  const message = githubBody(error)?.message;
  const text = typeof message === 'string' ? message : ((error as Error)?.message ?? String(error));
  return text
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * GitHub's `errors[]` entries as short sentences: `name: name already exists on this account`.
 * Entries are objects ({resource, field, code, message}) or plain strings, depending on the endpoint.
 */
export function githubErrorDetails(error: unknown): string[] {
  const errors = githubBody(error)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap(entry => {
    if (typeof entry === 'string') return [entry];
    // null has no fields; a number or boolean destructures to undefined ones and yields nothing below
    if (!entry) return [];
    const { field, code, message, resource } = entry as Record<string, unknown>;
    const what = [resource, field].filter(v => typeof v === 'string' && v).join('.');
    const why = typeof message === 'string' && message ? message : typeof code === 'string' ? code : '';
    return what || why ? [what && why ? `${what}: ${why}` : what || why] : [];
  });
}

/** GitHub's explanation: the message and every errors[] detail, with known secret values replaced. */
// Stryker disable next-line ArrayDeclaration: the default means no secrets; a non-empty default only differs for text containing Stryker's own marker
export function githubExplanation(error: unknown, secrets: readonly string[] = []): string {
  const details = githubErrorDetails(error);
  const text = [githubMessage(error), ...(details.length ? [`(${details.join('; ')})`] : [])].join(' ');
  const redacted = redactSecrets(text, secrets);
  return redacted.length > MAX_DETAIL_LENGTH ? `${redacted.slice(0, MAX_DETAIL_LENGTH)}…` : redacted;
}

/** Replaces every occurrence of the given secret values (non-empty) with ***. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

/** A failure GitHub's retry policy covers: 5xx, 429 and answers that never arrived. */
export function isTransientFailure(error: unknown): boolean {
  const status = githubStatus(error);
  return status === undefined || status === 429 || status >= 500;
}

/**
 * Turns a failed GitHub call into an error that says what we were doing, on
 * which repository, and which credential lacked which permission. GitHub's
 * message and errors[] details are kept; never a request, header or URL with
 * credentials, and never a value listed in `secrets`.
 */
export function describeGithubFailure(
  error: unknown,
  context: {
    action: string;
    target: string;
    host: string;
    credentialSource: CredentialSource;
    permission: string;
    secrets?: readonly string[];
  },
): Error {
  const status = githubStatus(error);
  const github = githubExplanation(error, context.secrets);
  const where = `${context.action} ${context.target}`;
  if (status === 401) {
    return new AuthenticationError(
      `GitHub rejected the ${context.credentialSource} for ${context.host} while trying to ${where} (401 ${github}): the credential is missing, expired or revoked`,
    );
  }
  if ((status === 403 || status === 429) && /rate limit/i.test(github)) {
    return new Error(
      `GitHub's rate limit stopped the attempt to ${where} (${status} ${github}); the wait it asked for was longer than goldenPath.github.maxRetryAfterSeconds allows, or the rate-limit retries ran out: try again later`,
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
  // Only these went through the retry and rate-limit policies; anything else failed at once.
  const retried = isTransientFailure(error) ? ', after retries' : '';
  return new Error(
    `GitHub failed while trying to ${where}${status ? ` (${status} ${github})` : ` (${github})`}${retried}`,
  );
}
