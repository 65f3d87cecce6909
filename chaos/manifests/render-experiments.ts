// Everything for the Kubernetes path in one render: the deployment (cluster/k8s)
// plus the runner's shared pieces as the base kustomization, and per experiment
// its Workflow, runner Job and Service under experiments/ (applied one at a
// time: applying the base must not start twenty experiments at once).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCluster, toYaml, writeManifests, type Component, type K8sObject, type K8sOptions, type RenderInput } from '../../cluster/k8s/index.js';
import { topology, type Coordination } from '../../cluster/index.js';
import { EXPERIMENTS, type Experiment } from '../experiments/index.js';
import { unsupportedFaults } from './chaos-mesh-faults.js';
import { experimentForm, isNotSupported, type ExperimentForm, type NotSupported } from './forms.js';
import { runnerBase, runnerJob } from './runner-job.js';

export interface RenderedExperiment {
  form: ExperimentForm;
  /** Workflow, runner Job and its Service. */
  objects: K8sObject[];
}

export interface Rendered {
  input: RenderInput;
  base: Component[];
  experiments: RenderedExperiment[];
  notSupported: NotSupported[];
}

export interface RenderAllOptions extends Partial<K8sOptions> {
  coordination?: Coordination;
  seed?: number;
  experiments?: Experiment[];
  /** Workflows with the faults only, and no runner Job (see FormOptions.faultsOnly). */
  faultsOnly?: boolean;
  /** The run's length and load, for every experiment rendered (default: each experiment's own). */
  durationS?: number;
  rate?: number;
}

export function renderAll(opts: RenderAllOptions = {}): Rendered {
  const { coordination = 'zookeeper', seed = 1, experiments = EXPERIMENTS, faultsOnly = false, durationS, rate, ...k8s } = opts;
  const { input, components } = renderCluster(topology(coordination), k8s);
  const out: Rendered = { input, base: [...components, runnerBase(input)], experiments: [], notSupported: [] };
  for (const e of experiments) {
    const form = experimentForm(input, e, { seed, faultsOnly, durationS });
    if (isNotSupported(form)) {
      out.notSupported.push(form);
      continue;
    }
    const runner = faultsOnly ? [] : runnerJob(input, e.name, { durationS: durationS ?? e.defaults.durationS, rate: rate ?? e.defaults.rate, seed });
    out.experiments.push({ form, objects: [...runner, form.workflow] });
  }
  return out;
}

/** What the experiments/README.txt says: which experiments have no Chaos Mesh form, and which faults never do. */
export function notSupportedText(r: Rendered): string {
  const lines = [
    `Chaos Mesh forms of the Faultline experiments (${r.input.topology.coordination}). Apply one: kubectl apply -f experiments/<name>.yaml`,
    '',
    'Experiments without a Chaos Mesh form:',
    ...r.notSupported.map((n) => `  ${n.experiment}: ${n.reason}`),
    '',
    'Faults Chaos Mesh cannot express:',
    ...unsupportedFaults(r.input.topology.coordination).map((u) => `  ${u.fault}: ${u.reason}`),
    '',
    'Experiments whose form leaves some of their faults out:',
    ...r.experiments.filter((e) => e.form.omitted.length).map((e) => `  ${e.form.experiment}: without ${e.form.omitted.map((u) => u.fault).join(', ')}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes the base (one file per component + kustomization.yaml) and experiments/<name>.yaml; returns the files. */
export function writeAll(dir: string, r: Rendered): string[] {
  const files = writeManifests(dir, r.input, r.base);
  const exDir = join(dir, 'experiments');
  mkdirSync(exDir, { recursive: true });
  // an experiment rendered before but without a form now (e.g. zookeeper-kill after --coordination kraft) must go
  for (const f of readdirSync(exDir)) if (f.endsWith('.yaml') && readFileSync(join(exDir, f), 'utf8').startsWith('# Rendered by Faultline')) rmSync(join(exDir, f));
  for (const e of r.experiments) {
    writeFileSync(join(exDir, `${e.form.experiment}.yaml`), `# Rendered by Faultline: experiment ${e.form.experiment} (${r.input.topology.coordination}); edits are overwritten.\n${toYaml(e.objects)}`);
    files.push(join('experiments', `${e.form.experiment}.yaml`));
  }
  writeFileSync(join(exDir, 'README.txt'), notSupportedText(r));
  files.push(join('experiments', 'README.txt'));
  return files;
}
