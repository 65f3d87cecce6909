// Public surface of the k8s provider: render the shared topology as Kubernetes manifests (Strimzi, the pipeline,
// observability), the model of the pods Strimzi creates, and the names chaos/manifests selects on.
export { defaultOptions, input, brokerPodName, brokerIds, controllerIds, LABELS, PART_OF, POOLS, VERSIONS, ourLabels, metadata, APP_UID, containerResources, podUser, restrictedContainer } from './model.js';
export type { Component, K8sObject, K8sOptions, RenderInput, Resources } from './model.js';
export { renderCluster, toYaml, kustomization, writeManifests, namespaceComponent, networkComponent, USER_FACING } from './render-deployment.js';
export { brokerConfig, kafkaCluster, kafkaTopics, nodePools, zoneSpread, METRICS_CONFIGMAP, METRICS_KEY } from './kafka.js';
export { nodeApps, appLabels, appSelector, bootstrap, serviceUrl, core, nodeContainer, type NodeApp } from './apps.js';
export { prometheusConfig, tempoConfig, grafanaDashboards } from './observability.js';
export { strimziSelector, strimziPods, templatePods, allPods, type PodModel } from './strimzi.js';
export { currentContext, applyObjects, deleteObjects, NoClusterError } from './client.js';
export { kubeScore, kubeScoreBinary, judge, describeFinding, LINT_EXCEPTIONS, type Finding, type LintException, type LintResult } from './lint.js';
