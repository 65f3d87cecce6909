// Creates topics idempotently with the cluster's defaults (RF 3, min ISR 2,
// no unclean election); Kafka's rack-aware assignment spreads replicas over the zones.
import { ConfigResourceTypes, type Admin } from './kafkajs.js';
import type { TopicSpec } from '../pipeline/contract/index.js';
import { kafka } from './probes.js';
import { bootstrapServers, type Topology } from './topology.js';
import { waitFor } from './wait.js';

export interface TopicOptions {
  replicationFactor?: number;
  minInsyncReplicas?: number;
  uncleanLeaderElection?: boolean;
}

/** Every topic-level override a topic of ours carries: the cluster's safety defaults, then the spec's own. */
function configEntries(s: TopicSpec & TopicOptions, t: Topology): { name: string; value: string }[] {
  return Object.entries({
    'min.insync.replicas': String(s.minInsyncReplicas ?? t.defaults.minInsyncReplicas),
    'unclean.leader.election.enable': String(s.uncleanLeaderElection ?? t.defaults.uncleanLeaderElection),
    ...s.config,
  }).map(([name, value]) => ({ name, value }));
}

export async function ensureTopics(t: Topology, specs: (TopicSpec & TopicOptions)[], admin?: Admin): Promise<string[]> {
  const own = !admin;
  const a = admin ?? kafka(t).admin();
  if (own) await a.connect();
  try {
    const existing = new Set(await a.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length) {
      await a.createTopics({
        // kafkajs' own leader wait fails on KRaft while metadata propagates; wait below instead
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor ?? t.defaults.replicationFactor,
          configEntries: configEntries(s, t),
        })),
      });
    }
    // a topic that exists keeps its partitions, but its configs follow the spec (an older deployment converges).
    // AlterConfigs replaces a topic's whole override set, so it is given all of it, safety settings included.
    const present = specs.filter((s) => existing.has(s.name) && s.config && Object.keys(s.config).length);
    if (present.length) {
      await a.alterConfigs({ validateOnly: false, resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name, configEntries: configEntries(s, t) })) });
    }
    const names = specs.map((s) => s.name);
    await waitFor(
      `leaders for ${names.join(', ')}`,
      async () => {
        const meta = await a.fetchTopicMetadata({ topics: names });
        if (!(meta.topics.length === names.length && meta.topics.every((tp) => tp.partitions.length > 0 && tp.partitions.every((p) => p.leader >= 0)))) return false;
        // a leader named in the metadata may not host its partition yet (UNKNOWN_TOPIC_OR_PARTITION to the first
        // client that asks: seen by `just bench` right after creating its topics); ListOffsets asks every leader
        for (const s of missing) await a.fetchTopicOffsets(s.name);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    if (missing.length) await waitForEveryBrokersMetadata(t, missing.map((s) => s.name));
    return missing.map((s) => s.name);
  } finally {
    if (own) await a.disconnect();
  }
}

/**
 * Each broker learns of a new topic from its own metadata update, some time after the leaders host it. A client whose
 * metadata refresh goes to a broker that has not heard yet gets UNKNOWN_TOPIC_OR_PARTITION, which kafkajs does not
 * retry there (a CI run's lag test failed on it, right after a chaos run had kept the controller busy). So ask each
 * broker in turn until it names the topics. A kafkajs client refreshes its metadata from a connected broker, and a
 * fresh one seeded with a single broker is connected to that one alone; so each poll is a fresh client (a later call
 * of the same client may go to any broker). The leaders were checked above. A broker that refuses the connection is
 * not waited for (it is down, and learns the topics when it comes back); one that answers but never learns them
 * fails the call after 30 s.
 */
async function waitForEveryBrokersMetadata(t: Topology, topics: string[]): Promise<void> {
  for (const broker of bootstrapServers(t)) {
    const client = kafka(t, 'faultline-ops', [broker]);
    const probe = client.admin();
    try {
      await probe.connect();
    } catch {
      continue;
    } finally {
      await probe.disconnect();
    }
    await waitFor(
      `${broker} to know ${topics.join(', ')}`,
      async () => {
        const one = client.admin();
        await one.connect();
        try {
          // the refresh this makes goes to the seed, the only broker connected: it throws while the seed does not know a topic
          const meta = await one.fetchTopicMetadata({ topics });
          return meta.topics.length === topics.length;
        } finally {
          await one.disconnect();
        }
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }
}
