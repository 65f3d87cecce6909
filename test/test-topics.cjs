// The name prefixes of the topics the live tests make, deleted before, between and after the suites (CommonJS:
// the suites' test environment requires it, the ESM deployment helper imports it).
module.exports = { TEST_TOPIC_PREFIXES: ['test.', 'chaos.', 'bench.', 'bench-'] };
