// Mutation testing (npm run mutation): StrykerJS over the code where a silent break costs most.
// Scores per folder and the surviving mutants: scripts/mutation-report.mjs, which also fails
// the run when a folder falls below MUTATION_THRESHOLD (README, "Mutation testing").
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // Each mutant loads only the test files that import its file (findRelatedTests) and runs only
  // the tests that reached it (perTest coverage).
  jest: { projectType: 'custom', configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'src/validation/**/*.ts',
    'src/templating/**/*.ts',
    'src/catalog/**/*.ts',
    'src/util/**/*.ts',
    // the pure parts, each with its own unit tests. client.ts and repositorySetup.ts are protocol
    // wiring, covered by the stand-in suites of npm test. treePusher.ts (the push's decisions) is
    // not here: its tests run against the stand-in, about 10 s per mutant on 2 cores, hours for
    // the file (README, "Mutation testing").
    'src/github/{access,actionsSettings,adoption,branchProtection,clientOptions,errors,freshRepositories,gitObjects,repoSettings,repoUrl,workspaceFiles}.ts',
    '!src/**/*.test.ts',
  ],
  // Static mutants (module-level constants) need every test file reloaded: 8 % of the mutants took
  // 45 % of the run. They are reported as ignored, not scored.
  ignoreStatic: true,
  // Committed: a re-run only tests mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'stryker-incremental.json',
  reporters: ['json', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // 2 shared cores: one test process by default (MUTATION_CONCURRENCY to change it).
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
  timeoutMS: 5000,
  ignorePatterns: ['test/browser', 'docs', 'out', 'dist', 'reports', 'coverage', 'cli'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
