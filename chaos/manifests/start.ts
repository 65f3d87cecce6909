// Starts one experiment on the current kube context: its runner Job, Service
// and Workflow, applied server-side. What `just k8s chaos <experiment>` does,
// and what `just chaos <experiment> --target k8s` hands off to off-cluster.
import { applyObjects, currentContext } from '../../cluster/k8s/index.js';
import { renderAll, type RenderAllOptions } from './render-experiments.js';

/** The experiment has no Chaos Mesh form (or does not exist): a usage error, nothing was applied. */
export class NoFormError extends Error {}

/** Throws NoFormError, or NoClusterError (cluster/k8s) when there is no kube context; nothing is applied then. */
export async function startExperiment(experiment: string, opts: RenderAllOptions, log: (l: string) => void): Promise<void> {
  const r = renderAll(opts);
  const e = r.experiments.find((x) => x.form.experiment === experiment);
  if (!e) {
    const n = r.notSupported.find((x) => x.experiment === experiment);
    throw new NoFormError(n ? `${experiment} has no Chaos Mesh form: ${n.reason}` : `no experiment "${experiment}"; \`just chaos --list\` lists them`);
  }
  const c = await currentContext();
  log(`kube context ${c.context} (${c.server})`);
  await applyObjects(c.client, e.objects, log);
  log(`started: kubectl -n ${r.input.options.namespace} get workflow ${e.form.workflow.metadata.name} -w; the report lands on the faultline-reports volume`);
}
