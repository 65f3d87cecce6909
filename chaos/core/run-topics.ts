// A run's own topics (`chaos.<run>.*`) and consumer groups: deleted when the run ends, however it ended, and by the
// next run's preflight when a run crashed before it could.
import { errorMessage, kafka, type Topology } from '../../cluster/index.js';

/** Deletes the topics and consumer groups (a group left committed to a deleted topic is noise in every lag view); a failure is a note. */
export async function deleteRunTopics(t: Topology, topics: string[], notes: string[], groups: string[] = []): Promise<void> {
  if (!topics.length && !groups.length) return;
  const a = kafka(t).admin();
  await a.connect();
  try {
    if (topics.length) await a.deleteTopics({ topics, timeout: 30_000 });
  } catch (e) {
    notes.push(`could not delete the run's topics ${topics.join(', ')}: ${errorMessage(e)}`);
  }
  try {
    if (groups.length) await a.deleteGroups(groups);
  } catch (e) {
    notes.push(`could not delete the run's consumer groups ${groups.join(', ')}: ${errorMessage(e)}`);
  } finally {
    await a.disconnect();
  }
}

/** Every run deletes its own topics: any `chaos.*` topic now was left by a run that crashed. */
export async function leftoverRunTopics(t: Topology): Promise<string[]> {
  const a = kafka(t).admin();
  await a.connect();
  try {
    return (await a.listTopics()).filter((n) => n.startsWith('chaos.'));
  } finally {
    await a.disconnect();
  }
}
