import { mockCredentials } from '@backstage/backend-test-utils';
import { JsonValue } from '@backstage/types';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Everything an action said, so tests can scan it (e.g. for secrets). */
export type ActionRecord = { logs: string[]; outputs: Record<string, unknown> };

/**
 * A minimal scaffolder action context for calling one action's handler.
 * Unlike a mock that drops them, it keeps `isDryRun` and a real checkpoint
 * store: pass the same store to a second run to resume like a recovered task.
 */
export function actionContext<I>(opts: {
  input: I;
  workspacePath?: string;
  isDryRun?: boolean;
  checkpoints?: Map<string, JsonValue>;
  record?: ActionRecord;
}) {
  const record = opts.record ?? { logs: [], outputs: {} };
  const checkpoints = opts.checkpoints ?? new Map<string, JsonValue>();
  const log = (level: string) => (message: string, meta?: unknown) =>
    record.logs.push(`${level}: ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`);
  const logger: any = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
    child: () => logger,
  };
  return {
    record,
    checkpoints,
    ctx: {
      input: opts.input,
      workspacePath: opts.workspacePath ?? fs.mkdtempSync(path.join(os.tmpdir(), 'workspace-')),
      isDryRun: opts.isDryRun ?? false,
      logger,
      secrets: {},
      task: { id: 'task-1' },
      output: (name: string, value: unknown) => {
        record.outputs[name] = value;
      },
      async checkpoint<T extends JsonValue | void>({ key, fn }: { key: string; fn: () => Promise<T> | T }): Promise<T> {
        if (checkpoints.has(key)) return checkpoints.get(key) as T;
        const value = await fn();
        checkpoints.set(key, (value ?? null) as JsonValue);
        return value;
      },
      createTemporaryDirectory: async () => fs.mkdtempSync(path.join(os.tmpdir(), 'action-tmp-')),
      getInitiatorCredentials: async () => mockCredentials.user(),
    } as any,
  };
}
