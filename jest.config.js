/** Suites share native Temporal servers and a CPU budget of two cores: run them one at a time. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  maxWorkers: 1,
  testTimeout: 120_000,
  verbose: true,
};
