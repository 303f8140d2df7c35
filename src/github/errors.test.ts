import { describeGithubFailure, githubErrorDetails, githubExplanation } from './errors';

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
