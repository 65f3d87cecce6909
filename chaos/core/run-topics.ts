// A run's own topics (`chaos.<run>.*`) and consumer groups: deleted when the run ends, however it ended, and by the
// next run's preflight when a run crashed before it could. Through librdkafka's admin: kafkajs's admin refuses every
// call while any partition of the cluster has no leader ("in the middle of a leadership election"), and a run that
// left a leaderless topic behind made every later run fail in its preflight.
import { endpoint, errorMessage, type Topology } from '../../cluster/index.js';
import { kafkaClient, type Admin } from '../../pipeline/kafka/index.js';

const GROUP_ID_NOT_FOUND = 69;

async function withAdmin<T>(t: Topology, use: (a: Admin) => Promise<T>): Promise<T> {
  const a = kafkaClient(endpoint(t, 'faultline-run-topics')).admin();
  await a.connect();
  try {
    return await use(a);
  } finally {
    await a.disconnect();
  }
}

/** Deletes the topics and consumer groups (a group left committed to a deleted topic is noise in every lag view); a failure is a note. */
export async function deleteRunTopics(t: Topology, topics: string[], notes: string[], groups: string[] = []): Promise<void> {
  if (!topics.length && !groups.length) return;
  await withAdmin(t, async (a) => {
    try {
      if (topics.length) await a.deleteTopics({ topics, timeout: 30_000 });
    } catch (e) {
      notes.push(`could not delete the run's topics ${topics.join(', ')}: ${errorMessage(e)}`);
    }
    try {
      if (groups.length) await a.deleteGroups(groups);
    } catch (e) {
      // per group when the error says (a group that never committed does not exist: nothing to delete), else all
      const results = (e as { groups?: { groupId: string; errorCode: number }[] }).groups;
      const failed = results ? results.filter((g) => g.errorCode !== 0 && g.errorCode !== GROUP_ID_NOT_FOUND).map((g) => g.groupId) : groups;
      if (failed.length) notes.push(`could not delete the run's consumer groups ${failed.join(', ')}: ${errorMessage(e)}`);
    }
  });
}

/** Every run deletes its own topics: any `chaos.*` topic now was left by a run that crashed. */
export const leftoverRunTopics = (t: Topology): Promise<string[]> => withAdmin(t, async (a) => (await a.listTopics()).filter((n) => n.startsWith('chaos.')));
