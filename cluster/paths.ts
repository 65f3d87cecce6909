// Where Faultline keeps what it fetches (cache) and what a deployment writes (state).
// Both live outside the checkout; FAULTLINE_CACHE / FAULTLINE_STATE override them.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Paths {
  /** Fetched artifacts: jars, Go binaries. Survives `just clean`. */
  cache: string;
  /** One deployment: configs, data, logs, pid files. `just clean` wipes it. */
  state: string;
}

export function paths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = homedir();
  return {
    cache: resolve(env.FAULTLINE_CACHE ?? join(home, '.cache', 'faultline')),
    // Not under /root (mode 700): zone users' JVMs check writability with
    // access(2), which ignores capabilities, so every parent must be searchable.
    state: resolve(env.FAULTLINE_STATE ?? (process.getuid?.() === 0 ? '/var/lib/faultline' : join(home, '.local', 'share', 'faultline'))),
  };
}

export const cacheLayout = (cache: string) => ({
  kafkaLibs: join(cache, 'kafka', 'libs'),
  jmxAgent: join(cache, 'kafka', 'agent', 'jmx_prometheus_javaagent-1.0.1.jar'),
  bin: join(cache, 'bin'),
  tempo: join(cache, 'bin', 'tempo'),
  k6: join(cache, 'bin', 'k6'),
  toxiproxy: join(cache, 'bin', 'toxiproxy-server'),
  kubeScore: join(cache, 'bin', 'kube-score'),
  /** The Kafka Streams reference app of `just bench`: lib/ holds its jar and its dependencies' (its classpath), build/ Maven's work. */
  streamsApp: join(cache, 'streams'),
  stamps: join(cache, 'stamps'),
});

export const stateLayout = (state: string) => ({
  conf: join(state, 'conf'),
  data: join(state, 'data'),
  logs: join(state, 'logs'),
  run: join(state, 'run'),
  file: join(state, 'deployment.json'),
});
