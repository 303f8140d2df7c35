/**
 * `npm run test:host`: the packed module installed into a real Backstage backend
 * started as its own process (test/host/). Minutes, not seconds, so it is kept out
 * of the fast `npm test` and has its own step in .ci/run.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/host'],
  testMatch: ['**/*.host.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Out-of-process backends: nothing of theirs keeps this process alive.
  forceExit: false,
  testTimeout: 120000,
};
