import { BackendFeature } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { statefulAppModule } from '../../src/module';

export type GoldenPathBackend = {
  url: string;
  stop(): Promise<void>;
  getEntity(ref: string): Promise<any | undefined>;
  waitForEntity(ref: string, timeoutMs?: number): Promise<any>;
  startTask(templateRef: string, values: JsonObject, secrets?: Record<string, string>): Promise<string>;
  waitForTask(taskId: string, timeoutMs?: number): Promise<{ status: string; output: any; log: string[] }>;
};

/**
 * The real catalog and scaffolder backends in one process, with this module,
 * as a Backstage operator runs them. The catalog uses its SQLite database.
 */
export async function startGoldenPathBackend(
  options: {
    config?: JsonObject;
    extraFeatures?: BackendFeature[];
  } = {},
): Promise<GoldenPathBackend> {
  const backend = await startTestBackend({
    features: [
      import('@backstage/plugin-catalog-backend'),
      import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
      import('@backstage/plugin-scaffolder-backend'),
      statefulAppModule,
      mockServices.rootConfig.factory({
        data: {
          backend: { baseUrl: 'http://localhost:7007' },
          catalog: {
            processingInterval: { seconds: 1 },
            rules: [{ allow: ['Component', 'Template', 'Location', 'Group', 'User', 'System', 'API', 'Resource'] }],
          },
          ...options.config,
        },
      }),
      ...(options.extraFeatures ?? []),
    ],
  });
  const address = backend.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  const url = `http://127.0.0.1:${address.port}`;

  const getEntity = async (ref: string) => {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    const response = await fetch(`${url}/api/catalog/entities/by-name/${kind}/${namespace}/${name}`);
    return response.status === 200 ? response.json() : undefined;
  };

  return {
    url,
    stop: () => backend.stop(),
    getEntity,
    async waitForEntity(ref, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const entity = await getEntity(ref);
        if (entity) return entity;
        if (Date.now() > deadline) throw new Error(`${ref} did not appear in the catalog within ${timeoutMs} ms`);
        await new Promise(r => setTimeout(r, 200));
      }
    },
    async startTask(templateRef, values, secrets) {
      // The same call the Create form makes.
      const response = await fetch(`${url}/api/scaffolder/v2/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ templateRef, values, secrets }),
      });
      const body: any = await response.json();
      if (response.status !== 201) throw new Error(`task not created: ${response.status} ${JSON.stringify(body)}`);
      return body.id;
    },
    async waitForTask(taskId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const task: any = await (await fetch(`${url}/api/scaffolder/v2/tasks/${taskId}`)).json();
        if (['completed', 'failed', 'cancelled'].includes(task.status)) {
          const events = (await (await fetch(`${url}/api/scaffolder/v2/tasks/${taskId}/events`)).json()) as any[];
          return {
            status: task.status,
            output: events.find(e => e.type === 'completion')?.body?.output ?? {},
            log: events.filter(e => e.type === 'log').map(e => String(e.body?.message ?? '')),
          };
        }
        if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status} after ${timeoutMs} ms`);
        await new Promise(r => setTimeout(r, 200));
      }
    },
  };
}
