/** The browser tests: `npm run test:browser` (installs the app fixture first). Not part of `npm test`. */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser.test.ts'],
  // the app fixture's node_modules is not ours to crawl
  modulePathIgnorePatterns: ['<rootDir>/test/browser/app/'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  testTimeout: 120000,
  maxWorkers: 1,
};
