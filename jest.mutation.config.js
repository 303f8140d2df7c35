/**
 * The tests Stryker runs against each mutant (npm run mutation:module): the unit tests of the
 * module's code. Not the stand-in, end-to-end, property, CLI or verify suites: they cost seconds
 * to minutes per mutant.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/src'],
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
