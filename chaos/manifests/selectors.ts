// Chaos Mesh's pod selection, for the pods the rendered manifests lead to: a
// selector picks a pod when the pod is in one of its namespaces, carries every
// label of labelSelectors, may run on a node with its nodeSelectors (we only
// select nodes by zone), and is named in `pods` when that is given. The tests
// use it to join every selector to real pod templates, so a typo selects nothing
// and fails.
import type { PodModel, RenderInput } from '../../cluster/k8s/index.js';
import type { Selector } from './chaos-mesh-faults.js';

export function selectorMatches(o: RenderInput, s: Selector, pod: PodModel): boolean {
  if (!s.namespaces.includes(pod.namespace)) return false;
  for (const [k, v] of Object.entries(s.labelSelectors ?? {})) if (pod.labels[k] !== v) return false;
  for (const [k, v] of Object.entries(s.nodeSelectors ?? {})) {
    // a node label other than the zone is not modelled: it selects nothing, so a test catches it
    if (k !== o.options.zoneKey || !(pod.zones as readonly string[]).includes(v)) return false;
  }
  if (s.pods) {
    const names = s.pods[pod.namespace] ?? [];
    if (!pod.name || !names.includes(pod.name)) return false;
  }
  return true;
}

export const selectedPods = (o: RenderInput, s: Selector, pods: PodModel[]): PodModel[] => pods.filter((p) => selectorMatches(o, s, p));
