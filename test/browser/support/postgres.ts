import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

export type PostgresCluster = {
  connection: { host: string; port: number; user: string };
  stop(): void;
};

/**
 * A throw-away PostgreSQL cluster on 127.0.0.1, the database a deployed
 * Backstage uses. PostgreSQL refuses to run as root, so as root the cluster
 * belongs to the `postgres` user.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-path-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, {
      stdio: 'pipe',
    });
  if (asRoot) execFileSync('chown', ['postgres:', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  run('initdb', ['--pgdata', data, '--auth', 'trust', '--username', 'postgres', '--encoding', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  run('pg_ctl', ['--pgdata', data, '--log', path.join(dir, 'server.log'), '--wait', '--options', options, 'start']);
  return {
    connection: { host: '127.0.0.1', port, user: 'postgres' },
    stop() {
      try {
        run('pg_ctl', ['--pgdata', data, '--mode', 'immediate', '--wait', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
