import { AuthenticationError, ConflictError, InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  describeGithubFailure,
  githubErrorDetails,
  githubExplanation,
  isTransientFailure,
  redactSecrets,
} from './errors';

const context = {
  action: 'create the repository',
  target: 'acme/app',
  host: 'github.com',
  credentialSource: 'integrations.github token' as const,
  permission: 'the repo scope',
};

function requestError(status: number | undefined, data: unknown) {
  return Object.assign(new Error('octokit message'), { status, response: { data } });
}

describe('GitHub failures', () => {
  it('keeps the whole message and every errors[] detail, not the first line', () => {
    const error = requestError(422, {
      message: 'Repository creation failed.',
      errors: [
        { resource: 'Repository', code: 'custom', field: 'name', message: 'name already exists on this account' },
        { resource: 'Repository', code: 'invalid', field: 'visibility' },
        'Custom property tier: bronze is not allowed',
      ],
    });
    expect(githubErrorDetails(error)).toEqual([
      'Repository.name: name already exists on this account',
      'Repository.visibility: invalid',
      'Custom property tier: bronze is not allowed',
    ]);
    expect(describeGithubFailure(error, context).message).toBe(
      'GitHub refused to create the repository acme/app (422 Repository creation failed. (Repository.name: name already exists on this account; Repository.visibility: invalid; Custom property tier: bronze is not allowed))',
    );
    const multiline = requestError(422, {
      message: 'Invalid request.\n\nFor \'properties/private\', "yes" is not a boolean.',
    });
    expect(githubExplanation(multiline)).toBe('Invalid request. For \'properties/private\', "yes" is not a boolean.');
  });

  it('replaces secret values wherever they appear', () => {
    const error = requestError(422, {
      message: 'Bad value s3cr3t',
      errors: [{ field: 'value', message: 'echo s3cr3t' }],
    });
    const message = describeGithubFailure(error, { ...context, secrets: ['s3cr3t'] }).message;
    expect(message).not.toContain('s3cr3t');
    expect(message).toContain('Bad value ***');
  });

  it('says "after retries" only for failures the retry policy covers', () => {
    expect(describeGithubFailure(requestError(502, { message: 'Server Error' }), context).message).toMatch(
      /after retries$/,
    );
    expect(describeGithubFailure(requestError(undefined, undefined), context).message).toMatch(/after retries$/);
    expect(describeGithubFailure(requestError(451, { message: 'Unavailable' }), context).message).not.toMatch(
      /retries/,
    );
    expect(describeGithubFailure(requestError(404, { message: 'Not Found' }), context).name).toBe('NotFoundError');
  });

  it('tells a rate limit it gave up on from a missing permission', () => {
    const limited = requestError(403, { message: 'You have exceeded a secondary rate limit.' });
    expect(describeGithubFailure(limited, context).message).toMatch(/rate limit stopped the attempt.*try again later/);
    const forbidden = requestError(403, { message: 'Must have admin rights to Repository.' });
    expect(describeGithubFailure(forbidden, context).name).toBe('NotAllowedError');
  });
});

describe('GitHub errors[] entries', () => {
  it('names each entry by its resource and field, leaving out what is missing or empty', () => {
    const error = requestError(422, {
      message: 'Validation Failed',
      errors: [
        { field: 'name', message: 'name is too long' },
        { resource: '', field: 'visibility', code: 'invalid' },
        { resource: { kind: 'Repository' }, field: 'topics', code: 'invalid' },
        { resource: 'Repository', field: 'name' },
        { code: 'already_exists' },
        {},
        null,
        7,
        true,
        'plain text entry',
      ],
    });
    expect(githubErrorDetails(error)).toEqual([
      'name: name is too long',
      'visibility: invalid',
      'topics: invalid',
      'Repository.name',
      'already_exists',
      'plain text entry',
    ]);
  });

  it('has none when GitHub sent no errors[] or no body at all', () => {
    expect(githubErrorDetails(requestError(404, { message: 'Not Found', errors: 'not a list' }))).toEqual([]);
    expect(githubErrorDetails(new Error('socket hang up'))).toEqual([]);
    expect(githubErrorDetails(undefined)).toEqual([]);
  });
});

describe('GitHub explanations', () => {
  it("uses the error's own message when GitHub sent none, and trims every line", () => {
    expect(githubExplanation(requestError(500, undefined))).toBe('octokit message');
    expect(githubExplanation(requestError(500, 'an HTML error page'))).toBe('octokit message');
    expect(githubExplanation(new Error('  connect ECONNREFUSED 127.0.0.1:443 \n'))).toBe(
      'connect ECONNREFUSED 127.0.0.1:443',
    );
    expect(githubExplanation(requestError(422, { message: '  Validation Failed  \n   see the docs  ' }))).toBe(
      'Validation Failed see the docs',
    );
    expect(githubExplanation('thrown text')).toBe('thrown text');
    expect(githubExplanation(undefined)).toBe('undefined');
  });

  it('keeps 1500 characters of a long explanation and marks the cut', () => {
    const exact = 'x'.repeat(1500);
    expect(githubExplanation(requestError(422, { message: exact }))).toBe(exact);
    const long = githubExplanation(requestError(422, { message: 'y'.repeat(4000) }));
    expect(long).toBe(`${'y'.repeat(1500)}…`);
  });

  it('ignores empty secret values instead of masking between every character', () => {
    expect(redactSecrets('token abc used', ['', 'abc'])).toBe('token *** used');
    expect(redactSecrets('nothing to hide', [''])).toBe('nothing to hide');
  });
});

describe('which failures went through the retry policy', () => {
  it.each([
    [500, true],
    [502, true],
    [429, true],
    [undefined, true],
    [499, false],
    [404, false],
    [422, false],
  ])('status %p: %p', (status, transient) => {
    expect(isTransientFailure(requestError(status, {}))).toBe(transient);
  });
});

describe('describeGithubFailure: one error class and message per answer', () => {
  const fail = (status: number | undefined, data: unknown) =>
    describeGithubFailure(requestError(status, data), context);

  it('401: the credential named, with its host, was rejected', () => {
    const error = fail(401, { message: 'Bad credentials' });
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(
      'GitHub rejected the integrations.github token for github.com while trying to create the repository acme/app (401 Bad credentials): the credential is missing, expired or revoked',
    );
  });

  it('403 without a rate limit: the credential lacks the permission, which is named', () => {
    const error = fail(403, { message: 'Resource not accessible by integration' });
    expect(error).toBeInstanceOf(NotAllowedError);
    expect(error.message).toBe(
      'The integrations.github token for github.com may not create the repository acme/app (403 Resource not accessible by integration): it needs the repo scope',
    );
  });

  it('403 or 429 with a rate limit: try again later, not a permission', () => {
    for (const status of [403, 429]) {
      const error = fail(status, { message: 'API rate limit exceeded for installation.' });
      expect(error.constructor).toBe(Error);
      expect(error.message).toMatch(
        new RegExp(
          `^GitHub's rate limit stopped the attempt to create the repository acme/app \\(${status} API rate limit exceeded`,
        ),
      );
    }
  });

  it('a rate limit mentioned by any other answer is not read as one', () => {
    const error = fail(422, { message: 'Validation Failed', errors: ['rate limit must be a number'] });
    expect(error).toBeInstanceOf(ConflictError);
    expect(fail(502, { message: 'rate limit service down' }).message).not.toMatch(/try again later/);
  });

  it('404: missing or invisible to the credential', () => {
    const error = fail(404, { message: 'Not Found' });
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(
      'GitHub answered 404 while trying to create the repository acme/app (Not Found): it does not exist or the integrations.github token cannot see it',
    );
  });

  it.each([409, 422])('%p: a conflict with what is there', status => {
    const error = fail(status, { message: 'Reference already exists' });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(`GitHub refused to create the repository acme/app (${status} Reference already exists)`);
  });

  it('400: bad input', () => {
    const error = fail(400, { message: 'Problems parsing JSON' });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe('GitHub refused to create the repository acme/app (400 Problems parsing JSON)');
  });

  it('anything else: a plain error with the status when there was one', () => {
    expect(fail(503, { message: 'Service Unavailable' }).message).toBe(
      'GitHub failed while trying to create the repository acme/app (503 Service Unavailable), after retries',
    );
    expect(fail(451, { message: 'Unavailable For Legal Reasons' }).message).toBe(
      'GitHub failed while trying to create the repository acme/app (451 Unavailable For Legal Reasons)',
    );
    const lost = describeGithubFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), context);
    expect(lost.constructor).toBe(Error);
    expect(lost.message).toBe(
      'GitHub failed while trying to create the repository acme/app (socket hang up), after retries',
    );
    expect(describeGithubFailure(null, context).message).toBe(
      'GitHub failed while trying to create the repository acme/app (null), after retries',
    );
  });
});
