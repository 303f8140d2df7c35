/**
 * The tests Stryker runs against each mutant of the verify policy rules (npm run mutation:verify):
 * their unit tests. verify.test.ts runs the same rules through kustomize and the app, minutes per
 * run, and adds nothing to these files.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/cli/src/verify/policy'],
  testMatch: ['<rootDir>/cli/src/verify/policy/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
