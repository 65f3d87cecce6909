// Public surface of the Chaos Mesh forms: every experiment as a Workflow (faults on its schedule, then a status
// check on the runner's verdict), the runner Job, the faults Chaos Mesh cannot express and why, the render of
// the whole Kubernetes path (the deployment from cluster/k8s plus these), starting one experiment on a cluster,
// and the runner's in-cluster side (its endpoints, its status server, Chaos Mesh's faults read back as windows).
export { faultForm, unsupportedFaults, targets, isUnsupported, RUNNER_LABELS, type ChaosSpec, type FaultForm, type Selector, type Unsupported } from './chaos-mesh-faults.js';
export { experimentForm, isNotSupported, narrowToPod, type ExperimentForm, type NotSupported, type FormOptions } from './forms.js';
export { runnerBase, runnerJob, runnerName, runnerUrl, RUNNER_PORT, REPORTS_CLAIM } from './runner-job.js';
export { renderAll, writeAll, notSupportedText, type Rendered, type RenderedExperiment, type RenderAllOptions } from './render-experiments.js';
export { selectorMatches, selectedPods } from './selectors.js';
export { startExperiment, NoFormError } from './start.js';
export { k8sTopology, k8sTarget, inClusterTarget, chaosLister, statusServer, holdOf, type StatusServer, type K8sTargetOptions } from './in-cluster.js';
export { chaosWindows, windowOps, faultOf, ChaosSeen, type ChaosObject, type ChaosRecord, type ChaosWindow, type Observed } from './chaos-status.js';
