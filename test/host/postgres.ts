/**
 * A throw-away PostgreSQL cluster on a loopback port, for backends started by the
 * host harness (one backend, or several replicas sharing one database).
 *
 * PostgreSQL refuses to run as root, so when this process is root the cluster is
 * created and run as the `postgres` user (`runuser`); otherwise as this user.
 * Connections are TCP on 127.0.0.1 only (no Unix socket), password auth (scram).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './freePort';
import { makeScratchDir } from './scratchDir';

export type PostgresCluster = {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `backend.database.connection` for an app-config. */
  connection: { host: string; port: number; user: string; password: string };
  /** The server's log, for failure reports. */
  logFile: string;
  /** Stops the server (fast shutdown: every client is disconnected), waits `downMs`, starts it again on the same port and data. */
  restart(downMs?: number): Promise<{ stopMs: number; startMs: number }>;
  /** Stops the server (fast shutdown) and deletes its data folder. Safe to call twice. */
  stop(): Promise<void>;
};

export type StartPostgresOptions = {
  /** Default: a free loopback port. */
  port?: number;
  /** OS user that owns and runs the cluster when this process is root (default `postgres`). */
  osUser?: string;
  /** Extra `postgres -c` settings, e.g. `{ max_connections: '200' }` for many replicas. */
  settings?: Record<string, string>;
};

const DB_USER = 'postgres';

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const asRoot = process.getuid?.() === 0;
  const osUser = options.osUser ?? 'postgres';
  const bin = postgresBinDir();
  const run = (command: string, args: string[]) => {
    const program = path.join(bin, command);
    return execFileSync(asRoot ? 'runuser' : program, asRoot ? ['-u', osUser, '--', program, ...args] : args, {
      stdio: 'pipe',
      encoding: 'utf8',
    });
  };

  const dir = makeScratchDir('golden-path-pg-');
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const passwordFile = path.join(dir, 'password');
  const password = randomBytes(18).toString('base64url');
  fs.writeFileSync(passwordFile, password, { mode: 0o600 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', osUser], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', osUser], { encoding: 'utf8' }).trim());
    for (const entry of [dir, passwordFile]) fs.chownSync(entry, uid, gid);
  }

  const port = options.port ?? (await freePort());
  let running = false;
  let serverOptions = '';
  const startServer = () =>
    run('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
  const stop = async () => {
    if (running) {
      running = false;
      process.off('exit', stopNow);
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
      } catch (error) {
        // Still running after a fast shutdown: do not leave it behind.
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
        throw error;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without afterAll must not leave a server running.
  const stopNow = () => {
    if (running) run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  };

  try {
    run('initdb', [
      '-D',
      dataDir,
      '-U',
      DB_USER,
      `--pwfile=${passwordFile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: '',
      fsync: 'off', // a throw-away cluster: durability costs time and buys nothing
      ...options.settings,
    };
    serverOptions = Object.entries(settings)
      .map(([key, value]) => `-c ${key}=${value === '' ? "''" : value}`)
      .join(' ');
    startServer();
    running = true;
    process.on('exit', stopNow);
  } catch (error) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    fs.rmSync(dir, { recursive: true, force: true });
    const output = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${output}\n${log}`);
  }

  const restart = async (downMs = 0) => {
    if (!running) throw new Error('PostgreSQL is not running');
    const stopping = Date.now();
    run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    const stopMs = Date.now() - stopping;
    await new Promise(resolve => setTimeout(resolve, downMs));
    const starting = Date.now();
    try {
      startServer();
    } catch (error) {
      running = false;
      process.off('exit', stopNow);
      throw new Error(
        `PostgreSQL did not start again: ${(error as Error).message}\n${fs.readFileSync(logFile, 'utf8')}`,
      );
    }
    return { stopMs, startMs: Date.now() - starting };
  };

  const connection = { host: '127.0.0.1', port, user: DB_USER, password };
  return { ...connection, connection, logFile, restart, stop };
}

/** Where initdb and pg_ctl are: on PATH, else Debian's /usr/lib/postgresql/<newest>/bin. */
export function postgresBinDir(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian)
    ? fs
        .readdirSync(debian)
        .filter(v => fs.existsSync(path.join(debian, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error('PostgreSQL is not installed: no initdb on PATH or in /usr/lib/postgresql');
  return path.join(debian, versions[0], 'bin');
}
