/**
 * The tests Stryker runs against each mutant (npm run mutation): the unit tests of the module's
 * code and the in-process GitHub stand-in tests of the push's decisions. Not the end-to-end,
 * property, CLI or verify suites: they cost minutes per run and add nothing to these folders.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/treePusher.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
