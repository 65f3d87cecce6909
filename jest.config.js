// Three projects: `unit` (pure functions, no cluster), `live` (against the running system, processes provider) and
// `containers` (brings the containers provider up itself, and down).
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testPathIgnorePatterns: ['/node_modules/', '/reports/out/'],
};

export default {
  // live tests wait on real recovery (session timeouts, ISR catch-up); each bounds its own waits
  testTimeout: 240_000,
  // one shared deployment: a fixed order, the destructive chaos suite last (see the sequencer)
  testSequencer: '<rootDir>/test/live-sequencer.cjs',
  verbose: true,
  // every failing test's message again at the end, whatever the number of suites (jest's default does so above 20
  // suites only): a CI log that keeps only its tail still says what failed and why
  reporters: [['default', { summaryThreshold: 0 }]],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.test.ts'], testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.live\\.test\\.ts$', '\\.containers\\.test\\.ts$'] },
    { ...common, displayName: 'containers', testMatch: ['<rootDir>/**/*.containers.test.ts'], slowTestThreshold: 60 },
    {
      ...common,
      displayName: 'live',
      testMatch: ['<rootDir>/**/*.live.test.ts'],
      // each suite deletes the test topics when it ends (see the file)
      testEnvironment: '<rootDir>/test/live-environment.cjs',
      globalSetup: '<rootDir>/test/live-setup.js',
      globalTeardown: '<rootDir>/test/live-teardown.js',
      slowTestThreshold: 60,
    },
  ],
};
