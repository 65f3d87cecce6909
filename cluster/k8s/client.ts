// Apply and delete rendered manifests against the current kube context with
// @kubernetes/client-node (server-side apply, field manager `faultline`). Not
// testable here (no cluster): kept small, and it says in one line when there is
// no context to talk to.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { K8sObject } from './model.js';
import { errorMessage } from '../args.js';

export class NoClusterError extends Error {}

type Client = import('@kubernetes/client-node').KubernetesObjectApi;

/** The current context's client, or a NoClusterError whose message is the one line to print. */
export async function currentContext(): Promise<{ context: string; server: string; client: Client }> {
  // without any kubeconfig the client falls back to http://localhost:8080 ("loaded-context"): that is no cluster
  const files = (process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config')).split(delimiter).filter(Boolean);
  const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
  if (!inCluster && !files.some((f) => existsSync(f))) {
    throw new NoClusterError(`no kubeconfig (looked at ${files.join(', ')}) and not inside a cluster: set KUBECONFIG or run \`kubectl config use-context <name>\``);
  }
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new NoClusterError(`no usable kubeconfig (${errorMessage(e)}): set KUBECONFIG or run \`kubectl config use-context <name>\``);
  }
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster) throw new NoClusterError('no current kube context: set KUBECONFIG or run `kubectl config use-context <name>`, then try again');
  return { context, server: cluster.server, client: k8s.KubernetesObjectApi.makeApiClient(kc) };
}

const ref = (x: K8sObject) => `${x.kind}/${x.metadata.name}`;

/** Server-side apply, in the order given (namespace and CRD-backed resources after what they need). */
export async function applyObjects(client: Client, objects: K8sObject[], log: (l: string) => void): Promise<void> {
  const { PatchStrategy } = await import('@kubernetes/client-node');
  for (const x of objects) {
    try {
      await client.patch(x as never, undefined, undefined, 'faultline', true, PatchStrategy.ServerSideApply);
      log(`applied ${ref(x)}`);
    } catch (e) {
      throw new Error(`applying ${ref(x)} failed: ${errorMessage(e)} (is the CRD installed? Strimzi 0.45.x and Chaos Mesh 2.8.x must be)`);
    }
  }
}

/** Deletes in reverse order; what is already gone is not an error. */
export async function deleteObjects(client: Client, objects: K8sObject[], log: (l: string) => void): Promise<void> {
  for (const x of [...objects].reverse()) {
    try {
      await client.delete(x as never);
      log(`deleted ${ref(x)}`);
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 404) continue;
      throw new Error(`deleting ${ref(x)} failed: ${errorMessage(e)}`);
    }
  }
}
