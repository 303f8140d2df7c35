/**
 * npm run bench:replicas — the golden path on several Backstage replicas (the bed of
 * test/backstage-replicas: real backends as their own processes, PostgreSQL 15, the packed module,
 * task recovery with the database workspace provider), against the GitHub stand-in with 100 ms
 * added to every answer:
 *
 * 1. throughput: 50 tasks submitted at once to one replica, then 50 round-robin to two;
 *    tasks completed per minute, from the first submission to the last completion;
 * 2. recovery: a task's replica SIGKILLed while GitHub holds its tree request; the time from the
 *    kill to the "recovered" event and to the task completing on another replica.
 *
 * Figures only: nothing here passes or fails (a failed task is counted and reported).
 * GOLDEN_PATH_REPLICAS_STALE_SECONDS (default 30, Backstage's default) sets
 * scaffolder.taskRecovery.staleTimeout; GOLDEN_PATH_BENCH_TASKS (50) and
 * GOLDEN_PATH_BENCH_KILLS (3) the sizes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { Timings } from '../host';
import { ReplicaBed, Replica, TEMPLATE_REF } from '../backstage-replicas/bed';
import { taskEvents, waitForTasks } from '../backstage-replicas/observe';

const LATENCY_MS = 100;
const STALE_SECONDS = Number(process.env.GOLDEN_PATH_REPLICAS_STALE_SECONDS ?? 30);
const TASKS = Number(process.env.GOLDEN_PATH_BENCH_TASKS ?? 50);
const KILLS = Number(process.env.GOLDEN_PATH_BENCH_KILLS ?? 3);

const say = (text: string) => process.stdout.write(`${text}\n`);

type Throughput = {
  replicas: number;
  tasks: number;
  completed: number;
  seconds: number;
  perMinute: number;
  /** Task time, created to completed: median and 90th percentile. */
  taskMedian: number;
  taskP90: number;
  /** CPU the replica processes used, per completed task. */
  cpuPerTask: number;
};

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function throughput(bed: ReplicaBed, replicas: Replica[], label: string): Promise<Throughput> {
  const names = Array.from({ length: TASKS }, (_, i) => `${label}-${String(i + 1).padStart(2, '0')}`);
  const cpuBefore = replicas.map(r => cpuSeconds(r.pid));
  const started = Date.now();
  const ids = await Promise.all(
    names.map((name, i) => replicas[i % replicas.length].api.startTask(TEMPLATE_REF, bed.values(name))),
  );
  const statuses = await waitForTasks(() => bed.api(), ids, 60 * 60_000);
  const seconds = (Date.now() - started) / 1000;
  const cpu = replicas.reduce((sum, r, i) => sum + cpuSeconds(r.pid) - cpuBefore[i], 0);
  const completed = [...statuses.values()].filter(s => s === 'completed').length;
  const durations: number[] = [];
  for (const id of ids) {
    const task = await bed.api().json(`/api/scaffolder/v2/tasks/${id}`);
    const done = (await taskEvents(bed.api(), id)).find(e => e.type === 'completion');
    if (done) durations.push((Date.parse(done.createdAt) - Date.parse(task.createdAt)) / 1000);
  }
  durations.sort((a, b) => a - b);
  return {
    replicas: replicas.length,
    tasks: TASKS,
    completed,
    seconds,
    perMinute: (completed / seconds) * 60,
    taskMedian: percentile(durations, 0.5),
    taskP90: percentile(durations, 0.9),
    cpuPerTask: cpu / Math.max(completed, 1),
  };
}

type Recovery = { toRecovered: number; toCompleted: number; completed: boolean };

async function killOne(bed: ReplicaBed, n: number): Promise<Recovery> {
  const name = `bench-kill-${n}`;
  const held = bed.github.hold({ method: 'POST', route: new RegExp(`/repos/acme/${name}/git/trees$`) });
  const taskId = await bed.alive()[n % 2].api.startTask(TEMPLATE_REF, bed.values(name));
  const request = await held.arrived;
  const runner = bed.byLogin(request.login)!;
  const killedAt = Date.now();
  await runner.kill('SIGKILL');
  held.drop(); // the replica died before GitHub saw its tree
  const replacement = bed.startReplica(); // as the platform replaces a dead pod
  replacement.catch(() => undefined);
  const statuses = await waitForTasks(() => bed.api(), [taskId], (STALE_SECONDS + 10) * 1000 + 300_000);
  const completedAt = Date.now();
  await replacement;
  const events = await taskEvents(bed.api(), taskId);
  const recovered = events.find(e => e.type === 'recovered');
  return {
    toRecovered: recovered ? (Date.parse(recovered.createdAt) - killedAt) / 1000 : NaN,
    toCompleted: (completedAt - killedAt) / 1000,
    completed: statuses.get(taskId) === 'completed',
  };
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

async function main() {
  const timings = new Timings();
  const bed = await ReplicaBed.create({ staleTimeoutSeconds: STALE_SECONDS, latencyMs: LATENCY_MS, timings, say });
  try {
    const first = await bed.startReplica();
    await first.api.registerLocation(bed.templateLocation);
    await first.api.waitForEntity(TEMPLATE_REF, 90_000);
    say(`One replica: ${TASKS} tasks…`);
    const one = await throughput(bed, [first], 'one');
    const second = await bed.startReplica();
    await second.api.waitForEntity(TEMPLATE_REF, 90_000);
    say(`Two replicas: ${TASKS} tasks…`);
    const two = await throughput(bed, [first, second], 'two');
    const kills: Recovery[] = [];
    for (let n = 1; n <= KILLS; n++) {
      say(`SIGKILL ${n}/${KILLS}…`);
      kills.push(await killOne(bed, n));
    }

    say('');
    say(
      `Replicas benchmark (Node ${process.version}, ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map(l => l.toFixed(1))
        .join(' ')}; ${LATENCY_MS} ms added to every GitHub answer; scaffolder.concurrentTasksLimit 10 per replica):`,
    );
    say('');
    say(
      '| replicas | tasks | completed | wall s | tasks per minute | task s (median / p90) | replica CPU s per task |',
    );
    say('| --- | --- | --- | --- | --- | --- | --- |');
    for (const t of [one, two]) {
      say(
        `| ${t.replicas} | ${t.tasks} | ${t.completed} | ${fmt(t.seconds)} | ${fmt(t.perMinute)} | ${fmt(t.taskMedian)} / ${fmt(t.taskP90)} | ${fmt(t.cpuPerTask, 2)} |`,
      );
    }
    say('');
    say(`SIGKILL of the replica running a task (staleTimeout ${STALE_SECONDS} s, recovery loop every 10 s):`);
    say('');
    say('| kill | to "recovered" s | to completed s | completed |');
    say('| --- | --- | --- | --- |');
    kills.forEach((k, i) =>
      say(`| ${i + 1} | ${fmt(k.toRecovered)} | ${fmt(k.toCompleted)} | ${k.completed ? 'yes' : 'NO'} |`),
    );
    const completedTimes = kills.map(k => k.toCompleted).sort((a, b) => a - b);
    say('');
    say(
      `SIGKILL to completed: min ${fmt(completedTimes[0])} s, median ${fmt(completedTimes[Math.floor(completedTimes.length / 2)])} s, max ${fmt(completedTimes[completedTimes.length - 1])} s`,
    );
    say('');
    say(timings.format('Set-up timings:'));
  } finally {
    await bed.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
