// @confluentinc/kafka-javascript 1.10.1 maps a broker's COORDINATOR_NOT_AVAILABLE (code 15) to
// `error.KafkaJSGroupCoordinatorNotAvailableError`, a class its error module does not define: building the error
// throws a TypeError inside the library's own callback (e.g. sendOffsets's, while a coordinator moves under a
// broker kill), the call's promise never settles, and the rejection is unhandled. Node then ends the process, and
// librdkafka's threads keep it from exiting: three stage instances hung so, alive but answering nothing, for up to
// an hour, until a deploy found them unhealthy. This handler lets that one error pass (the call it belonged to is
// bounded by the stage, which aborts and retries its transaction, as for any stuck call) and ends the process
// for good (SIGKILL, which no native thread can hold up) on any other.
import { ConfigError } from '../contract/index.js';

const CLIENT_BUG = /^KafkaJS\w+ is not a constructor$|^error\.KafkaJS\w+ is not a constructor$/;

/** The library's failure to build an error for a broker error code it maps to a class it does not have. */
export const isClientErrorMappingBug = (e: unknown): boolean => e instanceof TypeError && CLIENT_BUG.test(e.message) && /kafka-javascript/.test(e.stack ?? '');

export function guardClientBugs(name: string, log: (line: string) => void = (l) => console.error(l)): void {
  const handle = (kind: string) => (e: unknown) => {
    if (isClientErrorMappingBug(e)) {
      log(`${name}: the Kafka client failed to report a broker error (${(e as Error).message}, a bug of @confluentinc/kafka-javascript); the call it belonged to times out and is retried`);
      return;
    }
    log(e instanceof ConfigError ? e.message : `${name}: ${kind}, exiting: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    // process.exit can hang on librdkafka's threads; SIGKILL cannot
    process.kill(process.pid, 'SIGKILL');
  };
  process.on('unhandledRejection', handle('unhandled rejection'));
  process.on('uncaughtException', handle('uncaught exception'));
}
