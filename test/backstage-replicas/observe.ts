/**
 * What the replica tests read back after a task: the task's events, the repository on the
 * stand-in (with the git binary) and the catalog.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GithubStandin } from '../github-standin';
import { BackstageApi, pollUntil } from '../host';

const execFileAsync = promisify(execFile);

export type TaskEvent = { id: number; type: string; body: any; createdAt: string };

export async function taskEvents(api: BackstageApi, taskId: string): Promise<TaskEvent[]> {
  return api.json<TaskEvent[]>(`/api/scaffolder/v2/tasks/${taskId}/events`);
}

/** The log lines of a task's events, in order. */
export const logLines = (events: TaskEvent[]) =>
  events.filter(e => e.type === 'log').map(e => String(e.body?.message ?? ''));

/** The error a failed task completed with. */
export const completionError = (events: TaskEvent[]): string | undefined =>
  events.find(e => e.type === 'completion')?.body?.error?.message;

/** Waits until every task is completed, failed or cancelled, asking whichever replica `api()` returns. */
export async function waitForTasks(
  api: () => BackstageApi,
  taskIds: string[],
  timeoutMs: number,
): Promise<Map<string, string>> {
  const done = new Map<string, string>();
  await pollUntil(`${taskIds.length} tasks finished`, timeoutMs, async () => {
    for (const id of taskIds.filter(t => !done.has(t))) {
      const task = await api()
        .json(`/api/scaffolder/v2/tasks/${id}`)
        .catch(() => undefined);
      if (task && ['completed', 'failed', 'cancelled'].includes(task.status)) done.set(id, task.status);
    }
    return done.size === taskIds.length ? done : undefined;
  });
  return done;
}

/** The repository as GitHub holds it: how many by that name, commits on its branches, files and tree of main. */
export async function repositoryOutcome(github: GithubStandin, owner: string, name: string) {
  const repositories = github.listRepos().filter(r => r.owner === owner && r.repo === name).length;
  if (!repositories) return { repositories, branches: [] as string[], commits: 0, files: [] as string[] };
  const gitDir = github.gitDir(owner, name);
  const git = async (...args: string[]) => (await execFileAsync('git', args, { cwd: gitDir })).stdout.trim();
  await git('fsck', '--strict', '--no-dangling'); // throws on any complaint
  const branches = (await git('for-each-ref', '--format=%(refname:short)', 'refs/heads')).split('\n').filter(Boolean);
  if (!branches.length) return { repositories, branches, commits: 0, files: [] as string[] };
  const [commits, files, tree] = await Promise.all([
    git('rev-list', '--count', '--branches'),
    git('ls-tree', '-r', '--name-only', 'HEAD'),
    branches.includes('main') ? git('rev-parse', 'main^{tree}') : Promise.resolve(undefined),
  ]);
  return { repositories, branches, commits: Number(commits), files: files.split('\n').filter(Boolean), tree };
}

/** Per repository name: catalog locations pointing at its catalog-info.yaml, Components bearing its name. */
export async function catalogOutcomes(
  api: BackstageApi,
  github: GithubStandin,
  names: string[],
): Promise<Map<string, { locations: number; entities: number }>> {
  const [locations, components] = await Promise.all([
    api.json<Array<{ data: { target: string } }>>('/api/catalog/locations'),
    api.json<Array<{ metadata: { name: string } }>>('/api/catalog/entities?filter=kind=component&fields=metadata.name'),
  ]);
  return new Map(
    names.map(name => {
      const target = `${github.url}/acme/${name}/blob/main/catalog-info.yaml`;
      return [
        name,
        {
          locations: locations.filter(l => l.data.target === target).length,
          entities: components.filter(c => c.metadata.name === name).length,
        },
      ];
    }),
  );
}

export async function catalogOutcome(api: BackstageApi, github: GithubStandin, name: string) {
  return (await catalogOutcomes(api, github, [name])).get(name)!;
}
