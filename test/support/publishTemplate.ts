import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GithubStandin } from '../github-standin';
import { REPO_ROOT } from './rendered';

/**
 * Publishes this repository's template, skeleton and catalog-info.yaml to the
 * GitHub stand-in with the git binary, as a platform team's repository, so the
 * catalog can register the template from its Git URL. `edit` may change the
 * copy first (a platform team's edit to the skeleton, say).
 */
export async function publishGoldenPathRepo(
  github: GithubStandin,
  owner: string,
  repo: string,
  edit?: (dir: string) => void,
): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-paths-'));
  for (const entry of ['templates', 'skeleton', 'catalog-info.yaml']) {
    fs.cpSync(path.join(REPO_ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  edit?.(dir);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Platform Team', '-c', 'user.email=platform@example.com', ...args], {
      cwd: dir,
      stdio: 'pipe',
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'Golden paths');
  await github.createRepoDirectly(owner, repo);
  git('push', '-q', github.gitDir(owner, repo), 'main:main');
  fs.rmSync(dir, { recursive: true, force: true });
  return `${github.url}/${owner}/${repo}/blob/main/catalog-info.yaml`;
}
