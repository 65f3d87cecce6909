// Opens a local provider by name: the processes on this host (default), or the same topology in containers.
import { ContainersProvider } from './containers/provider.js';
import type { Paths } from './paths.js';
import { ProcessesProvider } from './processes/provider.js';
import { providerName, type Provider } from './provider.js';
import type { Coordination } from './topology.js';

export function openProvider(name: string | undefined, p: Paths, coordination?: Coordination): Provider {
  return providerName(name) === 'containers' ? ContainersProvider.open(p, coordination) : ProcessesProvider.open(p, coordination);
}
