// The live suites' environment: each suite, when it ends, deletes the topics the live tests make (`test.`,
// `chaos.`, `bench.`, `bench-`), so the next suite runs on a cluster holding the product's own topics only.
// They used to be deleted only once every suite had run; in CI the chaos suites then ran over ~45 leftover
// topics (some 300 partitions), and a controller's failover and the re-election after a broker kill took
// seconds longer than on the product's topology (a leader-kill's writes resumed 11.1 s after the kill, 7-9 s
// otherwise). It runs after the suite's own afterAll hooks, so nothing of the suite still uses them.
const { TestEnvironment } = require('jest-environment-node');
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { TEST_TOPIC_PREFIXES } = require('./test-topics.cjs');

const root = join(__dirname, '..');

class LiveEnvironment extends TestEnvironment {
  async teardown() {
    try {
      execFileSync(join(root, 'node_modules/.bin/tsx'), ['cluster/cli.ts', 'delete-topics', ...TEST_TOPIC_PREFIXES], { cwd: root, stdio: 'inherit', timeout: 120_000 });
    } catch (e) {
      console.error(`live tests: deleting the suite's topics failed (${e.message}); they stay until the next suite's end, or the run's`);
    }
    await super.teardown();
  }
}

module.exports = LiveEnvironment;
