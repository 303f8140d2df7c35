import { JsonObject } from '@backstage/types';
import { DryRunResult, EmbeddedScaffolder, startEmbeddedScaffolder } from '../../cli/src/dryrun/embeddedScaffolder';
import { loadTemplateBundle, TemplateBundle } from '../../cli/src/dryrun/templateBundle';
import { SEED_VALUES, TEMPLATE_FILE } from './rendered';

/**
 * One embedded scaffolder for a test file (started in beforeAll, stopped in
 * afterAll), and a dry-run of the template with the seed values plus changes.
 */
export function useSeedDryRun(): (changes: Record<string, unknown>) => Promise<DryRunResult> {
  let scaffolder: EmbeddedScaffolder;
  let bundle: TemplateBundle;
  beforeAll(async () => {
    scaffolder = await startEmbeddedScaffolder();
    bundle = loadTemplateBundle(TEMPLATE_FILE);
  }, 60_000);
  afterAll(() => scaffolder?.stop());
  return changes => scaffolder.dryRun(bundle, { ...SEED_VALUES, ...changes } as JsonObject);
}

/** A rejection (HTTP 400) whose errors name one of `fields`, as the form ("component_id: …") or the validate action ("- name: …") word it. */
export function expectRefusedNaming(result: DryRunResult, fields: string[]): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(400);
  const message = result.errors.join('\n');
  const namesTheField = fields.some(f => new RegExp(`(^|\\n)(- )?${f}: `).test(message));
  expect({ message, namesTheField }).toEqual({ message, namesTheField: true });
}
