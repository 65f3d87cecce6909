// What both local providers share, as parts each uses (neither inherits from the other): the deployment's parts
// (paths, topology, record), the component specs, the rendered configs, and the deploy sequence over a Runtime.
export { DeploymentParts, readDeployment } from './parts.js';
export { componentMarker, componentNamed, componentSpecs, grafanaBinary, letter, type ComponentSpec } from './catalog.js';
export { emptyDataDir, formatKraft, newClusterId, renderConfigs } from './render.js';
export { deploySequence, type Runtime } from './sequence.js';
