// Mutation testing of the verify policy rules (npm run mutation:verify): the rules every generated
// repository must pass, shown broken fixtures and near misses in cli/src/verify/policy/rules.test.ts.
// Its own incremental file, so a change to the rules re-tests only their mutants.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  jest: { projectType: 'custom', configFile: 'jest.mutation.verify.config.js', enableFindRelatedTests: true },
  // The rules are plain functions over objects: SWC runs a mutant that would not type-check just as
  // well, and skipping the checker halves the run.
  checkers: [],
  mutate: ['cli/src/verify/policy/**/*.ts', '!cli/src/verify/policy/**/*.test.ts'],
  incrementalFile: 'stryker-incremental.verify.json',
  jsonReporter: { fileName: 'reports/mutation/verify.json' },
  ignorePatterns: ['test', 'docs', 'out', 'dist', 'reports', 'coverage', 'cli/dist', 'src/**/*.test.ts'],
};
