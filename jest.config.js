/** Jest runs the TypeScript sources directly through SWC (as Backstage's own tooling does). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/cli/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Slow suites of their own: the real host (npm run test:host, jest.host.config.js), the
  // browser tests with their Backstage app fixture (npm run test:browser) and the replica
  // suites (npm run test:replicas).
  testPathIgnorePatterns: [
    '/node_modules/',
    '\\.host\\.test\\.ts$',
    '<rootDir>/test/browser/',
    '<rootDir>/test/replicas/',
  ],
  modulePathIgnorePatterns: ['<rootDir>/test/browser/app/'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  // jose (Backstage's real auth service) is ESM-only: Node 22 requires it natively, Jest needs it compiled.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // The CLI imports the module by its package name; tests run it from source, no build needed.
  moduleNameMapper: {
    '^@goldenpathidp/plugin-scaffolder-backend-module-stateful-app$': '<rootDir>/src/index.ts',
    '^@goldenpathidp/plugin-scaffolder-backend-module-stateful-app/package.json$': '<rootDir>/package.json',
  },
  testTimeout: 60000,
  // The in-process scaffolder leaves its task-worker timers behind after stop().
  forceExit: true,
};
