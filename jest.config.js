/** Jest runs the TypeScript sources directly through SWC (as Backstage's own tooling does). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/cli/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Slow suites have their own npm scripts and CI steps (test/replicas: npm run test:replicas).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/replicas/'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  // The CLI imports the module by its package name; tests run it from source, no build needed.
  moduleNameMapper: {
    '^@goldenpathidp/plugin-scaffolder-backend-module-stateful-app$': '<rootDir>/src/index.ts',
    '^@goldenpathidp/plugin-scaffolder-backend-module-stateful-app/package.json$': '<rootDir>/package.json',
  },
  testTimeout: 60000,
  // The in-process scaffolder leaves its task-worker timers behind after stop().
  forceExit: true,
};
