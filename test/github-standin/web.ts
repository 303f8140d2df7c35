/**
 * GitHub's web pages, reduced to what a browser follows from a scaffolder task's links:
 * a repository's page (`/{owner}/{repo}`) with its description, topics and the files on
 * its default branch, read from the real git objects.
 */
import { execFileSync } from 'child_process';
import { StandinState } from './state';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function filesOnBranch(gitDir: string, branch: string): string[] | undefined {
  try {
    const out = execFileSync('git', ['ls-tree', '-r', '--name-only', '-z', `refs/heads/${branch}`], {
      cwd: gitDir,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.toString('utf8').split('\0').filter(Boolean);
  } catch {
    return undefined; // no such branch yet: an empty repository
  }
}

/** The HTML of the page at `pathname`, or undefined when the stand-in has no such page. */
export function renderWebPage(state: StandinState, pathname: string): string | undefined {
  const match = /^\/([^/]+)\/([^/]+?)\/?$/.exec(pathname);
  if (!match) return undefined;
  const repo = state.findRepo(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
  if (!repo) return undefined;
  const fullName = `${repo.owner.login}/${repo.name}`;
  const files = filesOnBranch(repo.git.dir, repo.defaultBranch);
  const body = files
    ? `<h2>${escapeHtml(repo.defaultBranch)}</h2>\n<ul id="files">\n${files.map(f => `  <li>${escapeHtml(f)}</li>`).join('\n')}\n</ul>`
    : '<p id="empty">This repository is empty.</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(fullName)}</title></head>
<body>
<h1 id="repository">${escapeHtml(fullName)}</h1>
<p id="visibility">${repo.visibility}</p>
<p id="description">${escapeHtml(repo.description ?? '')}</p>
<p id="topics">${repo.topics.map(escapeHtml).join(' ')}</p>
${body}
</body>
</html>
`;
}
