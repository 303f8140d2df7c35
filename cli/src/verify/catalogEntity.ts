import { entityProblems } from '@goldenpathidp/plugin-scaffolder-backend-module-stateful-app';
import { ParsedYaml } from './yamlChecks';
import { CheckOutcome, Finding } from './types';

export const CATALOG_FILE = 'catalog-info.yaml';

/**
 * catalog-entity: catalog-info.yaml is what the Backstage catalog will accept,
 * checked with the same rules the register action applies before registering.
 */
export async function checkCatalogEntity(parsed: Map<string, ParsedYaml>): Promise<CheckOutcome> {
  const file = CATALOG_FILE;
  const p = parsed.get(file);
  if (!p)
    return {
      status: 'fail',
      findings: [
        { file, message: 'catalog-info.yaml is missing: the repository will not be registered in the catalog' },
      ],
    };
  if (!p.ok) return { status: 'skip', findings: [], reason: 'catalog-info.yaml does not parse (see yaml-parse)' };
  if (p.docs.length === 0)
    return { status: 'fail', findings: [{ file, message: 'catalog-info.yaml holds no entity' }] };

  const findings: Finding[] = [];
  for (const [i, doc] of p.docs.entries()) {
    const prefix = p.docs.length > 1 ? `document ${i + 1}: ` : '';
    for (const problem of await entityProblems(doc)) {
      findings.push({ file, ...(problem.field ? { field: problem.field } : {}), message: prefix + problem.message });
    }
  }
  return findings.length ? { status: 'fail', findings } : { status: 'pass', findings: [] };
}
