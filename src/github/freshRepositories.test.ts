import { FreshRepositories } from './freshRepositories';

describe('FreshRepositories', () => {
  it('hands a repository to the same task once, case-insensitively', () => {
    const fresh = new FreshRepositories();
    fresh.remember('task-1', 'github.com', 'Acme', 'App', {
      htmlUrl: 'https://github.com/acme/app',
      initialBranch: 'main',
    });
    expect(fresh.take('task-2', 'github.com', 'acme', 'app')).toBeUndefined();
    expect(fresh.take('task-1', 'github.com', 'acme', 'app')).toEqual({
      htmlUrl: 'https://github.com/acme/app',
      initialBranch: 'main',
    });
    expect(fresh.take('task-1', 'github.com', 'acme', 'app')).toBeUndefined();
  });

  it('forgets entries after ten minutes', () => {
    const fresh = new FreshRepositories();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    fresh.remember('t', 'h', 'o', 'r', { htmlUrl: 'u', initialBranch: 'main' });
    now.mockReturnValue(1_000_000 + 10 * 60_000 + 1);
    expect(fresh.take('t', 'h', 'o', 'r')).toBeUndefined();
    now.mockRestore();
  });
});
