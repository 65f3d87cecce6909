// The client bug is real (the library's own error mapping throws for COORDINATOR_NOT_AVAILABLE), the guard lets a
// process live through it, and any other unhandled error still ends the process, even with librdkafka loaded.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isClientErrorMappingBug } from './client-bugs.js';

const require = createRequire(import.meta.url);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** What the library throws when a broker answers COORDINATOR_NOT_AVAILABLE (code 15), built by its own code. */
function libraryError(): unknown {
  const common = require('@confluentinc/kafka-javascript/lib/kafkajs/_common.js') as { createKafkaJsErrorFromLibRdKafkaError: (e: object) => Error };
  try {
    return common.createKafkaJsErrorFromLibRdKafkaError({ message: 'Broker: Coordinator not available', code: 15, stack: '' });
  } catch (e) {
    return e;
  }
}

test('the library cannot build its error for COORDINATOR_NOT_AVAILABLE, and the guard recognises that failure only', () => {
  const e = libraryError();
  expect(e).toBeInstanceOf(TypeError);
  expect(isClientErrorMappingBug(e)).toBe(true);
  expect(isClientErrorMappingBug(new TypeError('x is not a constructor'))).toBe(false);
  expect(isClientErrorMappingBug(new Error('Broker: Coordinator not available'))).toBe(false);
});

/** A process with the guard and a librdkafka producer that meets `reject` unhandled, then says whether it lived. */
function guarded(reject: 'client-bug' | 'other') {
  const script = `
    import { guardClientBugs, kafkaClient } from './pipeline/kafka/index.js';
    import { createRequire } from 'node:module';
    guardClientBugs('t');
    const producer = kafkaClient({ brokers: ['127.0.0.1:1'], clientId: 't' }).producer();
    void producer.connect().catch(() => undefined);
    const common = createRequire(import.meta.url)('@confluentinc/kafka-javascript/lib/kafkajs/_common.js');
    const fail = ${reject === 'client-bug' ? "async () => common.createKafkaJsErrorFromLibRdKafkaError({ message: 'Broker: Coordinator not available', code: 15, stack: '' })" : "async () => { throw new Error('something else'); }"};
    void fail();
    setTimeout(() => { console.log('alive'); process.kill(process.pid, 'SIGKILL'); }, 1500);
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
}

test('a process with the guard lives through the client bug and still ends at once on any other unhandled error', () => {
  const bug = guarded('client-bug');
  expect(bug.stdout).toContain('alive');
  expect(bug.stderr).toContain('the Kafka client failed to report a broker error');
  const other = guarded('other');
  expect(other.stdout).not.toContain('alive');
  expect(other.signal).toBe('SIGKILL');
  expect(other.stderr).toContain('t: unhandled rejection, exiting: Error: something else');
}, 60_000);
