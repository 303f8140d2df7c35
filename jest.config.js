/** Jest runs the TypeScript sources directly through SWC (as Backstage's own tooling does). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  testTimeout: 60000,
  // The in-process scaffolder leaves its task-worker timers behind after stop().
  forceExit: true,
};
