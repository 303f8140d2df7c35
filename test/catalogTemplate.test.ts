/**
 * The other half of the layout question: registered from a URL, the template
 * finds `../../skeleton` relative to its own location, without the dry-run bundle.
 */
import path from 'node:path';
import { GoldenPathBackend, startGoldenPathBackend } from './support/backends';
import { REPO_ROOT } from './support/rendered';

let backend: GoldenPathBackend;

beforeAll(async () => {
  backend = await startGoldenPathBackend({
    config: {
      catalog: {
        processingInterval: { seconds: 1 },
        rules: [{ allow: ['Component', 'Template', 'Location'] }],
        // This repository's own catalog-info.yaml, as an operator registers it.
        locations: [{ type: 'file', target: path.join(REPO_ROOT, 'catalog-info.yaml') }],
      },
    },
  });
});
afterAll(() => backend?.stop());

it('ingests the template through the root catalog-info.yaml Location', async () => {
  const template = await backend.waitForEntity('template:default/stateful-app');
  expect(template.spec.steps.map((s: any) => s.action)).toEqual(
    expect.arrayContaining(['goldenpath:stateful:validate', 'fetch:template']),
  );
  expect(template.spec.steps.find((s: any) => s.action === 'fetch:template').input.url).toBe('../../skeleton');
});
