/**
 * Several Backstage replicas on one PostgreSQL (issue 11): real backends, each its own OS process,
 * with the packed module, task recovery and the database workspace provider, sharing a real
 * PostgreSQL 15 and the GitHub stand-in (test/backstage-replicas/bed.ts).
 *
 * - A replica SIGKILLed at each crash point: another one resumes the task, which completes with
 *   exactly one repository, one commit, one catalog location and entity; its event log shows the recovery.
 * - Load: tasks submitted round-robin to two replicas at once all complete; no repository creation
 *   is attempted twice outside a recorded checkpoint.
 * - PostgreSQL restarted under running tasks: each completes or fails with an error; none stays `processing`.
 * - Without a workspace provider, a resumed task refuses to push its empty workspace.
 *
 * Slow (an npm install, several backend starts): `npm run test:replicas:backstage`, its own .ci/run step.
 * GOLDEN_PATH_REPLICAS_STALE_SECONDS (default 10) sets scaffolder.taskRecovery.staleTimeout,
 * GOLDEN_PATH_REPLICAS_LOAD_TASKS (default 40) the load; GOLDEN_PATH_HOST_KEEP=1 keeps the host project.
 */
import os from 'node:os';
import { HeldRequest, RecordedRequest } from '../github-standin';
import { pollUntil, Timings } from '../host';
import { SEED_TREE } from '../support/rendered';
import { ReplicaBed, TaskRow, TEMPLATE_REF } from './bed';
import {
  catalogOutcome,
  catalogOutcomes,
  completionError,
  logLines,
  repositoryOutcome,
  taskEvents,
  waitForTasks,
} from './observe';

const STALE_TIMEOUT_SECONDS = Number(process.env.GOLDEN_PATH_REPLICAS_STALE_SECONDS ?? 10);
/** Backstage's task worker looks for stale tasks every 10 s (TaskWorker; not configurable). */
const RECOVERY_LOOP_SECONDS = 10;
/** Stale, noticed, claimed, and the rest of the task run on a busy machine. */
const RECOVERY_WINDOW_MS = (STALE_TIMEOUT_SECONDS + RECOVERY_LOOP_SECONDS) * 1000 + 120_000;
const LOAD_TASKS = Number(process.env.GOLDEN_PATH_REPLICAS_LOAD_TASKS ?? 40);
const KEEP = process.env.GOLDEN_PATH_HOST_KEEP === '1';
const STEPS = ['validate', 'fetch', 'fingerprint', 'check-entity', 'create', 'push', 'register'];

const say = (text: string) => process.stdout.write(`${text}\n`);
const timings = new Timings();
const suiteStarted = Date.now();
let bed: ReplicaBed;

beforeAll(async () => {
  bed = await ReplicaBed.create({ staleTimeoutSeconds: STALE_TIMEOUT_SECONDS, timings, say });
  // The first start migrates the databases; later ones find them ready.
  await bed.startReplica();
  await bed.startReplica();
  await bed.api().registerLocation(bed.templateLocation);
  for (const replica of bed.alive()) await replica.api.waitForEntity(TEMPLATE_REF, 90_000);
}, 25 * 60_000);

afterAll(async () => {
  await bed?.stop({ keepProject: KEEP });
  if (KEEP) say(`Kept the host project: ${bed?.project.dir}`);
  timings.record('whole suite (after jest started)', Date.now() - suiteStarted);
  say(
    timings.format(
      `Replica suite timings (Node ${process.version}, ${os.cpus().length} CPUs, staleTimeout ${STALE_TIMEOUT_SECONDS} s):`,
    ),
  );
}, 180_000);

/** Every replica's last log lines with a failed expectation, so a CI failure says why. */
async function withLogs<T>(check: () => Promise<T> | T): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof Error && bed) error.message += `\n${bed.logTails()}`;
    throw error;
  }
}

/** The held request, or the task's log if it finished before reaching it. */
async function untilHeld(held: HeldRequest, taskId: string): Promise<RecordedRequest> {
  const finished = waitForTasks(() => bed.api(), [taskId], 180_000).then(async statuses => {
    const events = await taskEvents(bed.api(), taskId);
    throw new Error(
      `task ${taskId} ended ${statuses.get(taskId)} before the crash point: ${completionError(events) ?? ''}\n${logLines(events).join('\n')}`,
    );
  });
  finished.catch(() => undefined);
  return Promise.race([held.arrived, finished]);
}

const completedSteps = (row: TaskRow) => STEPS.filter(step => row.state?.steps?.[step]?.status === 'completed');

type CrashPoint = {
  title: string;
  name: string;
  /** The request the stand-in holds open while the replica running the task is killed. */
  hold: (name: string) => { method: string; route: RegExp };
  /** What GitHub does with the held request once its client is dead. */
  afterKill: 'process' | 'drop';
  /** The replica running the task, from what the stand-in saw. */
  runner: (held: RecordedRequest, requests: RecordedRequest[], name: string) => string | undefined;
  /** Steps recorded complete when the replica dies. */
  completedAtKill: string[];
  /** Checkpoints (key patterns) recorded when it dies. */
  checkpointsAtKill?: RegExp[];
  /** Statuses of the repository creation requests, in order. */
  createStatuses: number[];
  /** A line the resumed run logs. */
  resumedLog?: RegExp;
};

const BEFORE_CREATE = ['validate', 'fetch', 'fingerprint', 'check-entity'];
const treeRequest = (name: string) => ({ method: 'POST', route: new RegExp(`/repos/acme/${name}/git/trees$`) });
const heldSender = (held: RecordedRequest) => held.login;

const CRASH_POINTS: CrashPoint[] = [
  {
    title: 'during create: GitHub creates the repository, its answer never arrives',
    name: 'crash-during-create',
    hold: () => ({ method: 'POST', route: /\/orgs\/acme\/repos$/ }),
    afterKill: 'process',
    runner: heldSender,
    completedAtKill: BEFORE_CREATE,
    // recorded before the request: the resumed run adopts the repository on this evidence
    checkpointsAtKill: [/^v1\.task\.checkpoint\.create\.github\.repo\.create\.intent\./],
    createStatuses: [201, 422],
    resumedLog: /crash-during-create was created by this task before its answer was lost; adopting it/,
  },
  {
    title: "after create: the create step is recorded, the push's first write never reaches GitHub",
    name: 'crash-after-create',
    hold: treeRequest,
    afterKill: 'drop',
    runner: heldSender,
    completedAtKill: [...BEFORE_CREATE, 'create'],
    createStatuses: [201],
    resumedLog: /Pushed \d+ files to acme\/crash-after-create@main/,
  },
  {
    title: 'during push: GitHub stores the tree, its answer never arrives',
    name: 'crash-during-push',
    hold: treeRequest,
    afterKill: 'process',
    runner: heldSender,
    completedAtKill: [...BEFORE_CREATE, 'create'],
    createStatuses: [201],
    resumedLog: /Pushed \d+ files to acme\/crash-during-push@main/,
  },
  {
    title: 'during push: GitHub moves the branch to the new commit, its answer never arrives',
    name: 'crash-during-ref-update',
    hold: name => ({ method: 'PATCH', route: new RegExp(`/repos/acme/${name}/git/refs/heads(%2F|/)main$`) }),
    afterKill: 'process',
    runner: heldSender,
    completedAtKill: [...BEFORE_CREATE, 'create'],
    createStatuses: [201],
    resumedLog: /acme\/crash-during-ref-update@main already holds this content/,
  },
  {
    title: 'after push, before register: the location is registered, the catalog is still reading the repository',
    name: 'crash-before-register',
    hold: name => ({ method: 'GET', route: new RegExp(`/repos/acme/${name}/contents/catalog-info\\.yaml$`) }),
    afterKill: 'process',
    // the catalog of any replica may read the file; the task ran where the push protected the branch
    runner: (_held, requests, name) =>
      requests.find(r => r.method === 'PUT' && r.path.endsWith(`/repos/acme/${name}/branches/main/protection`))?.login,
    completedAtKill: [...BEFORE_CREATE, 'create', 'push'],
    checkpointsAtKill: [/^v1\.task\.checkpoint\.register\.catalog\.register\./],
    createStatuses: [201],
  },
];

describe('a replica killed mid-task (SIGKILL)', () => {
  it.each(CRASH_POINTS.map((point, i) => [point.title, point, i] as const))(
    '%s: another replica resumes the task; one repository, one commit, one location and entity',
    async (_title, point, i) => {
      const { name } = point;
      const github = bed.github;
      const requestsBefore = github.requests.length;
      const held = github.hold(point.hold(name));
      const submitTo = bed.alive()[i % bed.alive().length];
      const taskId = await submitTo.api.startTask(TEMPLATE_REF, bed.values(name));

      const heldRequest = await withLogs(() => untilHeld(held, taskId));
      const runner = bed.byLogin(point.runner(heldRequest, github.requests.slice(requestsBefore), name));
      expect(runner?.exited()).toBe(false);
      const atKill = await bed.taskRow(taskId);
      expect({ status: atKill.status, completed: completedSteps(atKill) }).toEqual({
        status: 'processing',
        completed: point.completedAtKill,
      });
      const checkpoints = Object.entries(atKill.state?.checkpoints ?? {});
      for (const pattern of point.checkpointsAtKill ?? []) {
        expect(checkpoints.filter(([key, value]) => pattern.test(key) && value.status === 'success')).toHaveLength(1);
      }

      const killedAt = Date.now();
      expect(await runner!.kill('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
      const requestsAtKill = github.requests.length;
      if (point.afterKill === 'process') held.process();
      else held.drop();
      // The platform replaces the dead pod; the survivor or the replacement resumes the task.
      const replacement = bed.startReplica();
      replacement.catch(() => undefined);

      const statuses = await withLogs(() => waitForTasks(() => bed.api(), [taskId], RECOVERY_WINDOW_MS));
      const finishedAt = Date.now();
      await replacement;
      const api = bed.api();
      const events = await taskEvents(api, taskId);
      const log = logLines(events);
      expect({ status: statuses.get(taskId), error: completionError(events) }).toEqual({
        status: 'completed',
        error: undefined,
      });

      // The event log shows the recovery (for a startOver task the scaffolder lists events from the last one on).
      expect(events[0]).toMatchObject({ type: 'recovered', body: { recoverStrategy: 'startOver' } });
      expect(log).toEqual(
        expect.arrayContaining([
          `Task recovered - resuming from last known good state. ${point.completedAtKill.length} step(s) already completed.`,
          ...point.completedAtKill.map(
            step => `Skipping step ${step} because it was already completed in a previous run`,
          ),
        ]),
      );
      if (point.resumedLog) expect(log.join('\n')).toMatch(point.resumedLog);
      const recoveredAt = Date.parse(events[0].createdAt);
      timings.record(`${name}: SIGKILL to "recovered"`, recoveredAt - killedAt);
      timings.record(`${name}: SIGKILL to completed`, finishedAt - killedAt);

      // What happened on GitHub after the kill, another process did.
      const afterKill = github.requests.slice(requestsAtKill).filter(r => r.path.includes(`/repos/acme/${name}`));
      expect(afterKill.filter(r => r.login === runner!.login)).toEqual([]);

      // Exactly one repository, holding one commit with exactly what the fetch step rendered, protected.
      const final = await bed.taskRow(taskId);
      expect(await repositoryOutcome(github, 'acme', name)).toMatchObject({
        repositories: 1,
        branches: ['main'],
        commits: 1,
        files: [...SEED_TREE].sort(),
        tree: final.state?.steps?.fingerprint?.output?.treeSha,
      });
      expect(Object.keys(github.inspect('acme', name)?.protection ?? {})).toEqual(['main']);
      const creates = github.requests.slice(requestsBefore).filter(r => r.createsRepo === `acme/${name}`);
      expect(creates.map(r => r.status)).toEqual(point.createStatuses);

      // One catalog location, one entity.
      expect(await catalogOutcome(api, github, name)).toEqual({ locations: 1, entities: 1 });
      const output = events.find(e => e.type === 'completion')?.body?.output;
      expect(output?.links).toEqual(
        expect.arrayContaining([expect.objectContaining({ entityRef: `component:default/${name}` })]),
      );
    },
    RECOVERY_WINDOW_MS + 300_000,
  );
});

describe('load', () => {
  it(
    `completes ${LOAD_TASKS} tasks submitted round-robin to two replicas at once; one commit each; no repository created twice outside a recorded checkpoint`,
    async () => {
      const replicas = bed.alive().slice(0, 2);
      expect(replicas).toHaveLength(2);
      const github = bed.github;
      const names = Array.from({ length: LOAD_TASKS }, (_, i) => `load-${String(i + 1).padStart(2, '0')}`);
      const requestsBefore = github.requests.length;
      const started = Date.now();
      const taskIds = await Promise.all(
        names.map((name, i) => replicas[i % 2].api.startTask(TEMPLATE_REF, bed.values(name))),
      );
      const statuses = await withLogs(() => waitForTasks(() => bed.api(), taskIds, 20 * 60_000));
      const allDone = Date.now() - started;
      timings.record(`load: ${LOAD_TASKS} tasks, submitted to all completed`, allDone);
      say(`Load: ${LOAD_TASKS} tasks on 2 replicas in ${(allDone / 1000).toFixed(1)} s`);

      const api = bed.api();
      const failures: string[] = [];
      for (const [i, id] of taskIds.entries()) {
        if (statuses.get(id) !== 'completed') {
          failures.push(`${names[i]}: ${statuses.get(id)} ${completionError(await taskEvents(api, id)) ?? ''}`);
        }
      }
      expect(failures).toEqual([]);

      const requests = github.requests.slice(requestsBefore);
      const repositories = await Promise.all(names.map(name => repositoryOutcome(github, 'acme', name)));
      const catalog = await catalogOutcomes(api, github, names);
      let resumed = 0;
      for (const [i, name] of names.entries()) {
        expect({ name, ...repositories[i] }).toMatchObject({
          name,
          repositories: 1,
          commits: 1,
          files: [...SEED_TREE].sort(),
        });
        expect({ name, ...catalog.get(name) }).toEqual({ name, locations: 1, entities: 1 });
        // Created once; a second attempt only by a resumed task, whose intent checkpoint lets it adopt its own.
        const creates = requests.filter(r => r.createsRepo === `acme/${name}`).map(r => r.status);
        if (creates.length > 1) {
          resumed++;
          const row = await bed.taskRow(taskIds[i]);
          const intent = Object.keys(row.state?.checkpoints ?? {}).filter(key => key.includes('repo.create.intent'));
          expect({ name, creates, intent: intent.length }).toEqual({
            name,
            creates: [201, ...creates.slice(1).map(() => 422)],
            intent: 1,
          });
        } else {
          expect({ name, creates }).toEqual({ name, creates: [201] });
        }
      }
      // Both replicas ran tasks.
      const creators = new Set(requests.filter(r => r.createsRepo).map(r => r.login));
      expect([...creators].sort()).toEqual(replicas.map(r => r.login).sort());
      say(
        `Load: tasks per replica ${JSON.stringify(countBy(requests.filter(r => r.createsRepo).map(r => r.login!)))}, resumed after a stale heartbeat: ${resumed}`,
      );
    },
    25 * 60_000,
  );
});

describe('PostgreSQL restarted while tasks run', () => {
  it(
    'every task completes or fails with an error, none is left processing, and the replicas run tasks afterwards',
    async () => {
      const replicas = bed.alive();
      const names = Array.from({ length: 8 }, (_, i) => `db-restart-${i + 1}`);
      const taskIds = await Promise.all(
        names.map((name, i) => replicas[i % replicas.length].api.startTask(TEMPLATE_REF, bed.values(name))),
      );
      // Restart once the first tasks are working on GitHub.
      await pollUntil('tasks at work', 120_000, async () =>
        bed.github.requests.some(r => r.createsRepo?.startsWith('acme/db-restart-')) ? true : undefined,
      );
      const restart = await bed.postgres.restart(3_000);
      timings.record('PostgreSQL fast shutdown (all clients cut)', restart.stopMs);
      timings.record('PostgreSQL start again', restart.startMs);

      const statuses = await withLogs(() => waitForTasks(() => bed.api(), taskIds, RECOVERY_WINDOW_MS + 120_000));
      const inDatabase = await bed.taskStatuses(taskIds);
      expect([...inDatabase.values()].filter(s => !['completed', 'failed'].includes(s))).toEqual([]);

      const api = bed.api();
      const outcomes: string[] = [];
      for (const [i, id] of taskIds.entries()) {
        const name = names[i];
        const status = statuses.get(id);
        const events = await taskEvents(api, id);
        const recovered = events.some(e => e.type === 'recovered');
        if (status === 'completed') {
          expect({ name, ...(await repositoryOutcome(bed.github, 'acme', name)) }).toMatchObject({
            name,
            repositories: 1,
            commits: 1,
          });
          expect({ name, ...(await catalogOutcome(api, bed.github, name)) }).toEqual({
            name,
            locations: 1,
            entities: 1,
          });
          outcomes.push(`${name}: completed${recovered ? ' (resumed)' : ''}`);
        } else {
          const error = completionError(events);
          expect({ name, status, error: typeof error === 'string' && error.length > 0 }).toEqual({
            name,
            status: 'failed',
            error: true,
          });
          // Whatever it left on GitHub is one repository at most, never two commits.
          const repo = await repositoryOutcome(bed.github, 'acme', name);
          expect({ name, repositories: repo.repositories <= 1, commits: repo.commits <= 1 }).toEqual({
            name,
            repositories: true,
            commits: true,
          });
          outcomes.push(`${name}: failed: ${error}`);
        }
      }
      say(`After the PostgreSQL restart:\n  ${outcomes.join('\n  ')}`);

      // The replicas survived it and take new work.
      expect(bed.alive().map(r => r.login)).toEqual(replicas.map(r => r.login));
      const after = await bed.api().startTask(TEMPLATE_REF, bed.values('after-db-restart'));
      expect((await waitForTasks(() => bed.api(), [after], 180_000)).get(after)).toBe('completed');
    },
    15 * 60_000,
  );
});

describe('without a workspace provider', () => {
  it(
    'a task resumed on another replica refuses to push its empty workspace and says what to configure',
    async () => {
      const github = bed.github;
      // The installation is reconfigured: recovery on, no workspace provider.
      await Promise.all(bed.alive().map(r => r.stop()));
      const first = await bed.startReplica({ workspaceProvider: false });
      expect(first.logs()).toMatch(
        /scaffolder\.taskRecovery\.enabled is true but no scaffolder\.taskRecovery\.workspaceProvider is configured/,
      );
      const name = 'no-workspace-provider';
      const held = github.hold(treeRequest(name));
      const taskId = await first.api.startTask(TEMPLATE_REF, bed.values(name));
      await withLogs(() => untilHeld(held, taskId));
      await first.kill('SIGKILL');
      const requestsAtKill = github.requests.length;
      held.drop();
      const second = await bed.startReplica({ workspaceProvider: false });

      const statuses = await withLogs(() => waitForTasks(() => second.api, [taskId], RECOVERY_WINDOW_MS));
      const events = await taskEvents(second.api, taskId);
      expect(statuses.get(taskId)).toBe('failed');
      expect(events[0]).toMatchObject({ type: 'recovered' });
      expect(completionError(events)).toMatch(
        new RegExp(
          `^expectedTreeSha: refusing to push acme/${name}: the workspace holds no files, not the tree [0-9a-f]{40} recorded after the fetch step rendered it\\. Nothing was pushed\\. This backend resumes tasks \\(scaffolder\\.taskRecovery\\.enabled\\) without a workspace provider`,
        ),
      );
      // Nothing was published: no tree, no commit; the repository holds GitHub's initial commit only.
      expect(github.requests.slice(requestsAtKill).filter(r => /\/git\/(trees|commits|refs)/.test(r.path))).toEqual([]);
      expect(await repositoryOutcome(github, 'acme', name)).toMatchObject({
        repositories: 1,
        commits: 1,
        files: ['README.md'],
      });
      expect(await catalogOutcome(second.api, github, name)).toEqual({ locations: 0, entities: 0 });
    },
    RECOVERY_WINDOW_MS + 300_000,
  );
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
