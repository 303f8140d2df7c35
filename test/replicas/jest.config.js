/** npm run test:replicas: the generated app as several pods on loopback (slow: many python starts). */
const base = require('../../jest.config');

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/replicas'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120000,
};
