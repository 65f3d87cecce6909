// The running deployment a bench measures, or a clear exit: a bench of half a cluster measures nothing.
import { paths, ProcessesProvider, readDeployment } from '../cluster/index.js';

/** The deployment's provider and every process with its pid; exits 1 with what to do when it is not all running. */
export async function deployedOrExit(tool: string): Promise<{ provider: ProcessesProvider; processes: { name: string; pid: number }[] }> {
  const p = paths();
  const deployment = readDeployment(p);
  if (!deployment) {
    console.error(`${tool}: nothing is deployed. Run \`just deploy\` first; nothing was sent.`);
    process.exit(1);
  }
  const provider = ProcessesProvider.open(p, deployment.coordination);
  const status = await provider.status();
  const down = status.filter((s) => !s.up && s.zone !== 'ops');
  if (down.length) {
    console.error(`${tool}: ${down.map((s) => s.name).join(', ')} not running. Run \`just deploy\` (it starts what is missing); nothing was sent.`);
    process.exit(1);
  }
  return { provider, processes: status.filter((s) => s.pid !== undefined).map((s) => ({ name: s.name, pid: s.pid! })) };
}
