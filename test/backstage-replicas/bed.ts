/**
 * The multi-replica test bed: several Backstage backends, each its own OS process, on one
 * throw-away PostgreSQL 15 cluster, sharing one GitHub stand-in. Every backend is the same
 * adopter-shaped host project (test/host: scaffolder, catalog, the packed module, plus the
 * workspace-database provider), installed once; replicas differ only in port and in the GitHub
 * token they use: each process gets its own, so that the stand-in (which runs in this process
 * and sees every replica's requests) can tell which process sent a request.
 */
import { JsonObject } from '@backstage/types';
import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { GithubStandin, startGithubStandin } from '../github-standin';
import {
  BackstageApi,
  createHostProject,
  HostBackend,
  HostProject,
  PackedModule,
  packModule,
  PostgresCluster,
  startHostBackend,
  startPostgres,
  Timings,
} from '../host';
import { publishGoldenPathRepo } from '../support/publishTemplate';
import { SEED_VALUES } from '../support/rendered';

export const TEMPLATE_REF = 'template:default/stateful-app';
export const WORKSPACE_PROVIDER_PACKAGE = '@backstage/plugin-scaffolder-backend-module-workspace-database';
/** 0.1.0 is the only release; it runs beside scaffolder-backend 4.x (its own plugin-scaffolder-node copy is nested). */
const WORKSPACE_PROVIDER_RANGE = '^0.1.0';
const MAX_REPLICA_PROCESSES = 24;

export type BedOptions = {
  /** scaffolder.taskRecovery.staleTimeout: a task whose heartbeat is older is resumed elsewhere. */
  staleTimeoutSeconds: number;
  /** Added by the stand-in to every answer (the round trip to GitHub). */
  latencyMs?: number;
  /** scaffolder.concurrentTasksLimit of each replica (Backstage's default: 10). */
  concurrentTasksLimit?: number;
  timings: Timings;
  say?: (text: string) => void;
};

export type Replica = HostBackend & {
  /** The stand-in login of this process's GitHub token. */
  login: string;
  workspaceProvider: boolean;
};

export type TaskRow = {
  status: string;
  state?: { checkpoints?: Record<string, { status: string; value?: unknown }>; steps?: Record<string, any> };
  lastHeartbeatAt: Date | null;
};

const tokenOf = (index: number) => `ghp_replica_${index}_standin`;
const loginOf = (index: number) => `replica-${index}`;

export class ReplicaBed {
  private readonly replicas: Replica[] = [];
  private started = 0;
  private readonly staticToken = `replica-bed-${process.pid}-${Date.now()}`;

  private constructor(
    readonly options: BedOptions,
    readonly packed: PackedModule,
    readonly project: HostProject,
    readonly postgres: PostgresCluster,
    readonly github: GithubStandin,
    readonly templateLocation: string,
    private readonly scaffolderDb: Pool,
  ) {}

  /** Packs the module, installs the host project once, starts PostgreSQL and the stand-in. No replica yet. */
  static async create(options: BedOptions): Promise<ReplicaBed> {
    const { timings } = options;
    const say = options.say ?? (() => undefined);
    // The database and the stand-in start while npm installs.
    const services = Promise.all([
      timings.time('start PostgreSQL 15 (beside npm)', () =>
        // each replica opens several pools (one per plugin database)
        startPostgres({ settings: { max_connections: '400' } }),
      ),
      timings.time('start the GitHub stand-in (beside npm)', () =>
        startGithubStandin({
          orgs: ['acme', 'platform'],
          teams: ['acme/platform-team'],
          latencyMs: options.latencyMs,
          tokens: Object.fromEntries(
            Array.from({ length: MAX_REPLICA_PROCESSES }, (_, i) => [
              tokenOf(i + 1),
              { login: loginOf(i + 1), scopes: ['repo', 'workflow'], permission: 'admin' as const },
            ]),
          ),
        }),
      ),
    ]);
    services.catch(() => undefined); // surfaces where it is awaited
    let packed: PackedModule | undefined;
    let project: HostProject | undefined;
    try {
      packed = await timings.time('npm pack', () => packModule());
      if (packed.problems.length) throw new Error(`The packed module has problems:\n${packed.problems.join('\n')}`);
      project = createHostProject();
      say(`Host project: ${project.dir}`);
      await timings.time('npm install: the adopter backend', () => project!.install());
      await timings.time('npm install: the module and the workspace provider', async () => {
        await project!.add(packed!.tarball, { feature: packed!.name });
        await project!.add(`${WORKSPACE_PROVIDER_PACKAGE}@${WORKSPACE_PROVIDER_RANGE}`, {
          feature: WORKSPACE_PROVIDER_PACKAGE,
        });
      });
      const [postgres, github] = await services;
      const templateLocation = await timings.time('publish the template repository (git push)', () =>
        publishGoldenPathRepo(github, 'platform', 'golden-paths'),
      );
      const scaffolderDb = new Pool({ ...postgres.connection, database: 'backstage_plugin_scaffolder', max: 2 });
      scaffolderDb.on('error', () => undefined); // the database restart test stops the server under it
      return new ReplicaBed(options, packed, project, postgres, github, templateLocation, scaffolderDb);
    } catch (error) {
      const started = await services.catch(() => undefined);
      await started?.[0].stop().catch(() => undefined);
      await started?.[1].close().catch(() => undefined);
      packed?.remove();
      project?.remove();
      throw error;
    }
  }

  /** The app-config every replica gets (a real installation's, apart from the test's short timeouts). */
  replicaConfig(index: number, workspaceProvider: boolean): JsonObject {
    // Each replica its own disk, as pods have: what a dead replica left in its task workspace
    // is not there for the one that resumes the task (the OS temp folder would be shared here).
    const workingDirectory = path.join(this.project.dir, 'workspaces', loginOf(index));
    fs.mkdirSync(workingDirectory, { recursive: true });
    return {
      backend: { workingDirectory },
      integrations: {
        github: [{ host: this.github.host, apiBaseUrl: this.github.apiBaseUrl, token: tokenOf(index) }],
      },
      catalog: {
        processingInterval: { seconds: 1 },
        rules: [{ allow: ['Template', 'Location', 'Component'] }],
      },
      scaffolder: {
        concurrentTasksLimit: this.options.concurrentTasksLimit ?? 10,
        taskRecovery: {
          enabled: true,
          staleTimeout: { seconds: this.options.staleTimeoutSeconds },
          ...(workspaceProvider
            ? {
                workspaceProvider: 'database',
                // The harness runs backends with NODE_ENV=production; our workspaces are ~60 KB.
                database: { dangerouslyEnableInProduction: true },
              }
            : {}),
        },
      },
      goldenPath: { github: { writePacingMs: 0, retryBaseDelayMs: 10 } },
    };
  }

  /** Starts one more backend process (a replica of the same installation, or a replacement for a dead one). */
  async startReplica(options: { workspaceProvider?: boolean } = {}): Promise<Replica> {
    const index = ++this.started;
    if (index > MAX_REPLICA_PROCESSES) throw new Error(`more than ${MAX_REPLICA_PROCESSES} replica processes`);
    const workspaceProvider = options.workspaceProvider ?? true;
    const backend = await this.options.timings.time(`start replica-${index} (spawn to ready)`, () =>
      startHostBackend({
        project: this.project,
        name: loginOf(index),
        database: this.postgres,
        token: this.staticToken,
        config: this.replicaConfig(index, workspaceProvider),
      }),
    );
    const replica: Replica = Object.assign(backend, { login: loginOf(index), workspaceProvider });
    this.replicas.push(replica);
    return replica;
  }

  alive(): Replica[] {
    return this.replicas.filter(r => !r.exited());
  }

  all(): Replica[] {
    return [...this.replicas];
  }

  byLogin(login: string | undefined): Replica | undefined {
    return this.replicas.find(r => r.login === login);
  }

  /** A client for whichever replica is up (they share the database, so any answers for all). */
  api(): BackstageApi {
    const [replica] = this.alive();
    if (!replica) throw new Error('no replica is running');
    return replica.api;
  }

  /** The task as the scaffolder stored it: status, step states and checkpoints, last heartbeat. */
  async taskRow(taskId: string): Promise<TaskRow> {
    const { rows } = await this.scaffolderDb.query('SELECT status, state, last_heartbeat_at FROM tasks WHERE id = $1', [
      taskId,
    ]);
    if (!rows.length) throw new Error(`no task ${taskId} in the scaffolder database`);
    const state = rows[0].state ? JSON.parse(rows[0].state).state : undefined;
    return { status: rows[0].status, state, lastHeartbeatAt: rows[0].last_heartbeat_at };
  }

  /** The status of every task, by id. */
  async taskStatuses(ids: string[]): Promise<Map<string, string>> {
    const { rows } = await this.scaffolderDb.query('SELECT id, status FROM tasks WHERE id = ANY($1)', [ids]);
    return new Map(rows.map(row => [row.id as string, row.status as string]));
  }

  /** Template values for a task creating acme/<name>. */
  values(name: string): JsonObject {
    return { ...SEED_VALUES, component_id: name, repoUrl: `${this.github.host}?owner=acme&repo=${name}` };
  }

  /** The last lines of every replica's log, for a failure message. */
  logTails(lines = 40): string {
    return this.replicas
      .map(r => `--- ${r.logFile} (${r.exited() ? 'exited' : 'running'}) ---\n${r.logTail(lines)}`)
      .join('\n');
  }

  async stop(options: { keepProject?: boolean } = {}): Promise<void> {
    await Promise.all(this.alive().map(r => r.stop(20_000)));
    await this.scaffolderDb.end().catch(() => undefined);
    await this.postgres.stop();
    await this.github.close();
    this.packed.remove();
    if (!options.keepProject) this.project.remove();
  }
}
