// The live tests share one deployment, so their order is part of what they prove: a fixed order (by path), with the
// chaos suites last. Its runs destroy a zone (a broker's and a ZooKeeper node's disks wiped); what that leaves behind
// (after one CI run a transaction coordinator answered COORDINATOR_LOAD_IN_PROGRESS for five minutes) is the chaos
// suite's to judge, not a reason for an unrelated stage test to fail. Jest's default order (slowest first) ran it
// in the middle.
const Sequencer = require('@jest/test-sequencer').default;

// then the matrix of every experiment (chaos/experiments.live.test.ts), as destructive
const last = (p) => (/chaos\.live\.test\.ts$/.test(p) ? 1 : /chaos\/experiments\.live\.test\.ts$/.test(p) ? 2 : 0);

class LiveSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => last(a.path) - last(b.path) || a.path.localeCompare(b.path));
  }
}

module.exports = LiveSequencer;
