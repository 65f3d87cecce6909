// Every experiment (chaos/experiments) as a Chaos Mesh Workflow: wait until the
// in-cluster runner's load has started, run the faults on the experiment's
// schedule (a Schedule node for `every`, a timed sequence for `once` and for the
// seeded `random`), then a StatusCheck against the runner's verdict endpoint.
// The runner Job (runner.ts) drives the load and the checkers, as locally.
import type { Experiment } from '../experiments/index.js';
import type { Schedule } from '../core/nemesis.js';
import { pick, seeded } from '../core/context.js';
import type { K8sObject, RenderInput } from '../../cluster/k8s/index.js';
import type { ZoneName } from '../../cluster/index.js';
import { faultForm, isUnsupported, type ChaosSpec, type FaultForm, type Unsupported } from './chaos-mesh-faults.js';
import { runnerName, runnerUrl } from './runner-job.js';

export interface ExperimentForm {
  experiment: string;
  /** The Workflow (the runner's Job and Service come from runner.ts). */
  workflow: K8sObject;
  faults: FaultForm[];
  /** Faults of the experiment left out of its form (only `mixed` has some, drawn among the others), with reasons. */
  omitted: Unsupported[];
  /** The zone the zone faults hit (picked with the seed, as locally). */
  zone: ZoneName;
}

export interface NotSupported {
  experiment: string;
  reason: string;
}

export interface FormOptions {
  seed: number;
  durationS?: number;
  /**
   * Only the faults, no runner: no status checks on /started and /verdict (the load and the checkers are brought by
   * hand). What a real cluster can run before the in-cluster runner exists.
   */
  faultsOnly?: boolean;
}

const s = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;
/** Chaos Mesh field of a chaos kind inside Workflow and Schedule templates: PodChaos -> podChaos. */
const field = (kind: string) => kind[0]!.toLowerCase() + kind.slice(1);

/** Why an experiment as a whole has no Chaos Mesh form, if it has none. */
function notSupported(o: RenderInput, e: Experiment): string | undefined {
  if (e.workload.kind === 'kafka' && e.workload.processors && e.faults.some((f) => f.name === 'processor-kill')) {
    return "its processors are the experiment's own child processes inside the runner pod (a negative control's at-least-once processor among them): Chaos Mesh kills pods, and killing the runner pod would kill the checker; the runner kills them itself, as locally, when run in the cluster";
  }
  const forms = e.faults.map((f) => faultForm(o, f.name, 'zone-a'));
  const usable = forms.filter((f) => !isUnsupported(f));
  // a mix drawn from several faults keeps the ones Chaos Mesh has; a single-fault experiment without it has none
  if (!usable.length) return (forms as Unsupported[]).map((u) => `${u.fault}: ${u.reason}`).join('; ');
  return undefined;
}

interface Node {
  name: string;
  templateType: string;
  [field: string]: unknown;
}

/** Builds the Workflow's templates; names are unique within the Workflow. */
class Templates {
  readonly nodes: Node[] = [];
  private n = 0;
  add(base: string, node: Omit<Node, 'name'>): string {
    const name = `${base}-${++this.n}`.slice(0, 63);
    this.nodes.push({ name, ...node } as Node);
    return name;
  }
  suspend(ms: number): string {
    return this.add('wait', { templateType: 'Suspend', deadline: s(ms) });
  }
  /** One fault held `holdMs`: a chaos node, or a Parallel of its legs. */
  fault(f: FaultForm, holdMs: number): string {
    const legs = f.chaos.map((c) => this.chaos(f.fault, c, holdMs));
    return legs.length === 1 ? legs[0]! : this.add(f.fault, { templateType: 'Parallel', deadline: s(holdMs), children: legs });
  }
  chaos(fault: string, c: ChaosSpec, holdMs: number): string {
    return this.add(`${fault}${c.leg ? `-${c.leg}` : ''}`, { templateType: c.kind, deadline: s(holdMs), [field(c.kind)]: c.spec });
  }
  statusCheck(base: string, url: string, o: { everyS: number; failures: number }): string {
    return this.add(base, {
      templateType: 'StatusCheck',
      deadline: s((o.everyS * o.failures + 30) * 1000),
      // a failed verdict stops the Workflow, so it shows as failed in Chaos Mesh's dashboard
      abortWithStatusCheck: true,
      statusCheck: {
        mode: 'Synchronous',
        type: 'HTTP',
        http: { url, method: 'GET', criteria: { statusCode: '200' } },
        successThreshold: 1,
        failureThreshold: o.failures,
        intervalSeconds: o.everyS,
        timeoutSeconds: 5,
      },
    });
  }
}

/** The fault phase of the schedule, as runNemesis runs it: faults stop `tail` before the load does. */
function faultPhase(t: Templates, schedule: Schedule, forms: FaultForm[], durationMs: number, rng: () => number): string {
  const tailMs = Math.max(5000, durationMs / 5);
  const phaseMs = durationMs - tailMs;
  if (schedule.kind === 'every') {
    const f = forms[0]!;
    if (forms.length !== 1 || f.chaos.length !== 1) throw new Error(`an every-schedule needs exactly one single-object fault; ${forms.map((x) => x.fault).join(', ')} is not`);
    const c = f.chaos[0]!;
    // Chaos Mesh's @every fires one period after the start (locally the first fault comes after firstMs)
    const schedule_ = {
      schedule: `@every ${s(schedule.everyMs)}`,
      type: c.kind,
      concurrencyPolicy: 'Forbid',
      historyLimit: 5,
      [field(c.kind)]: c.kind === 'NetworkChaos' ? { ...c.spec, duration: s(schedule.holdMs) } : c.spec,
    };
    return t.add(`${f.fault}-every`, { templateType: 'Schedule', deadline: s(phaseMs), schedule: schedule_ });
  }
  const steps: string[] = [];
  if (schedule.kind === 'once') {
    steps.push(t.suspend(schedule.atMs), t.fault(forms[0]!, Math.min(schedule.holdMs, phaseMs - schedule.atMs)));
  } else {
    // random: gaps, holds and faults drawn from the seed at render time (same bounds as locally; the local run's
    // sequence differs, its draws are interleaved with its target picks)
    const draw = (lo: number, hi: number) => lo + Math.floor(rng() * Math.max(0, hi - lo));
    let at = schedule.firstMs;
    let wait = schedule.firstMs;
    for (let i = 0; i < 1000; i++) {
      const hold = draw(schedule.minHoldMs, schedule.maxHoldMs);
      if (phaseMs - at < Math.min(hold, 2000)) break;
      const f = forms[Math.floor(rng() * forms.length)]!;
      const held = Math.min(hold, phaseMs - at);
      steps.push(t.suspend(wait), t.fault(f, held));
      wait = draw(schedule.minGapMs, schedule.maxGapMs);
      at += held + wait;
    }
  }
  return t.add('faults', { templateType: 'Serial', deadline: s(phaseMs), children: steps });
}

export function experimentForm(o: RenderInput, e: Experiment, opts: FormOptions): ExperimentForm | NotSupported {
  const reason = notSupported(o, e);
  if (reason) return { experiment: e.name, reason };
  const rng = seeded(opts.seed);
  const zone = pick(rng, o.topology.zones).name;
  const all = e.faults.map((f) => faultForm(o, f.name, zone));
  const faults = all.filter((f): f is FaultForm => !isUnsupported(f));
  const omitted = all.filter(isUnsupported);
  const durationMs = (opts.durationS ?? e.defaults.durationS) * 1000;
  const t = new Templates();
  if (opts.faultsOnly) {
    t.add(e.name, { templateType: 'Serial', children: [faultPhase(t, e.schedule(durationMs), faults, durationMs, rng)] });
  } else {
    const started = t.statusCheck('load-started', `${runnerUrl(o, e.name)}/started`, { everyS: 5, failures: 60 });
    const phase = faultPhase(t, e.schedule(durationMs), faults, durationMs, rng);
    // the runner answers 503 until its final phase (heal, recover, drain, check) is over, then 200 or 417
    const verdict = t.statusCheck('verdict', `${runnerUrl(o, e.name)}/verdict`, { everyS: 10, failures: 90 });
    t.add(e.name, { templateType: 'Serial', children: [started, phase, verdict] });
  }
  const entry = t.nodes.at(-1)!.name;
  const workflow: K8sObject = {
    apiVersion: 'chaos-mesh.org/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name: runnerName(e.name),
      namespace: o.options.namespace,
      labels: { 'app.kubernetes.io/part-of': 'faultline', 'faultline.io/experiment': e.name },
      annotations: {
        'faultline.io/description': e.description,
        'faultline.io/seed': String(opts.seed),
        'faultline.io/zone': zone,
        ...(opts.faultsOnly ? { 'faultline.io/faults-only': 'true' } : {}),
        ...(faults.some((f) => f.resolvedAtRunTime) ? { 'faultline.io/resolved-at-run-time': faults.flatMap((f) => (f.resolvedAtRunTime ? [`${f.fault}: ${f.resolvedAtRunTime}`] : [])).join('; ') } : {}),
        ...(omitted.length ? { 'faultline.io/omitted-faults': omitted.map((u) => u.fault).join(',') } : {}),
      },
    },
    spec: { entry, templates: t.nodes },
  };
  return { experiment: e.name, workflow, faults, omitted, zone };
}

export const isNotSupported = (f: ExperimentForm | NotSupported): f is NotSupported => 'reason' in f;

/** Narrows every chaos of a Workflow that targets `fault` to one pod (what the runner does for role-based faults). */
export function narrowToPod(workflow: K8sObject, fault: string, namespace: string, pod: string): K8sObject {
  const copy = structuredClone(workflow) as K8sObject & { spec: { templates: Node[] } };
  for (const node of copy.spec.templates) {
    if (!node.name.startsWith(`${fault}-`)) continue;
    const chaos = (node.podChaos ?? (node.schedule as Record<string, unknown> | undefined)?.podChaos) as { selector: { pods?: Record<string, string[]> } } | undefined;
    if (chaos) chaos.selector = { ...chaos.selector, pods: { [namespace]: [pod] } };
  }
  return copy;
}
