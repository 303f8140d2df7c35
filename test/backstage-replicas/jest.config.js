/**
 * `npm run test:replicas:backstage`: several Backstage backends (own OS processes) on one
 * PostgreSQL 15, with the packed module (test/backstage-replicas/). Minutes, not seconds: kept out
 * of the fast `npm test`, its own step in .ci/run.
 */
const base = require('../../jest.config');

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/backstage-replicas'],
  testMatch: ['**/*.replicas.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Out-of-process backends: nothing of theirs keeps this process alive.
  forceExit: false,
  testTimeout: 300000,
};
