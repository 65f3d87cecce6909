// `just k8s`: render the Kubernetes manifests (offline), or apply / delete them
// and start one experiment against the current kube context.
// Exit status: 0 done, 1 failed, 2 bad usage, 3 no kube context.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { Coordination, errorMessage, orUsage, parseDuration, parseNumber } from '../../cluster/index.js';
import { applyObjects, currentContext, deleteObjects, describeFinding, judge, kubeScore, NoClusterError, type K8sObject } from '../../cluster/k8s/index.js';
import { renderAll, writeAll, type Rendered } from './render-experiments.js';
import { NoFormError, startExperiment } from './start.js';

const usage = `usage: just k8s render [--out DIR, default reports/out/k8s] [--coordination zookeeper|kraft] [--seed N] [--namespace NS] [--image IMAGE] [--faults-only] [--duration S] [--rate N]
       just k8s lint   [--coordination ...]                                       (kube-score over everything render writes; exceptions in cluster/k8s/lint.ts)
       just k8s apply  [--coordination ...] [--namespace NS] [--image IMAGE]   (the deployment, on the current kube context)
       just k8s chaos <experiment> [--seed N] [--duration S] [--rate N] [--faults-only] [...]   (its runner Job + Chaos Mesh Workflow; --faults-only: the Workflow's faults alone)
       just k8s down   [--namespace NS]                                          (deletes what apply made; volumes are kept)`;

const { values, positionals } = orUsage(usage, () => parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    coordination: { type: 'string' },
    seed: { type: 'string' },
    namespace: { type: 'string' },
    image: { type: 'string' },
    'faults-only': { type: 'boolean' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
}));

const fail = (msg: string, code = 2): never => {
  console.error(msg);
  process.exit(code);
};

const [command, experiment] = positionals;
if (values.help || !command) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const coordination = values.coordination === undefined ? undefined : Coordination.safeParse(values.coordination).data ?? fail(`--coordination is zookeeper or kraft, not ${values.coordination}\n${usage}`);
const { seed, ...run } = orUsage(usage, () => ({
  seed: parseNumber('seed', values.seed, { min: 0 }),
  durationS: parseDuration('duration', values.duration, { maxS: 86_400 }),
  rate: parseNumber('rate', values.rate, { max: 1_000_000 }),
}));
const renderOptions = { coordination, seed, faultsOnly: values['faults-only'], ...run, ...(values.namespace ? { namespace: values.namespace } : {}), ...(values.image ? { image: values.image } : {}) };
const rendered = (): Rendered => renderAll(renderOptions);
const flat = (r: Rendered): K8sObject[] => r.base.flatMap((c) => c.objects);

async function context() {
  try {
    const c = await currentContext();
    console.log(`kube context ${c.context} (${c.server})`);
    return c;
  } catch (e) {
    if (e instanceof NoClusterError) fail(`no Kubernetes cluster to talk to: ${e.message}`, 3);
    throw e;
  }
}

try {
  switch (command) {
    case 'render': {
      const dir = resolve(values.out ?? 'reports/out/k8s');
      const r = rendered();
      const files = writeAll(dir, r);
      console.log(`wrote ${files.length} files to ${dir} (${r.input.topology.coordination}): kubectl apply -k ${dir}, then kubectl apply -f ${dir}/experiments/<name>.yaml`);
      console.log(`${r.experiments.length} experiments have a Chaos Mesh form; without one: ${r.notSupported.map((n) => n.experiment).join(', ') || 'none'} (reasons in experiments/README.txt)`);
      break;
    }
    case 'lint': {
      const r = rendered();
      const objects = [...flat(r), ...r.experiments.flatMap((e) => e.objects)];
      const { failures, excused } = judge(kubeScore(objects));
      const byWhy = new Map<string, number>();
      for (const e of excused) byWhy.set(`${e.finding.check}: ${e.why}`, (byWhy.get(`${e.finding.check}: ${e.why}`) ?? 0) + 1);
      for (const [why, n] of byWhy) console.log(`excused ${n}x ${why}`);
      for (const f of failures) console.log(`FAIL ${describeFinding(f)}`);
      console.log(`kube-score over ${objects.length} objects (${r.input.topology.coordination}): ${failures.length} finding(s) to fix, ${excused.length} excused`);
      if (failures.length) process.exit(1);
      break;
    }
    case 'apply': {
      const { client } = await context();
      await applyObjects(client, flat(rendered()), (l) => console.log(l));
      break;
    }
    case 'chaos': {
      if (!experiment) fail(`which experiment? \`just chaos --list\` lists them\n${usage}`);
      try {
        await startExperiment(experiment!, renderOptions, (l) => console.log(l));
      } catch (e) {
        if (e instanceof NoFormError) fail(e.message);
        if (e instanceof NoClusterError) fail(`no Kubernetes cluster to talk to: ${e.message}`, 3);
        throw e;
      }
      break;
    }
    case 'down': {
      const { client } = await context();
      // volumes (Kafka's, the reports') are kept, as `just down` keeps data
      await deleteObjects(client, flat(rendered()).filter((x) => x.kind !== 'PersistentVolumeClaim' && x.kind !== 'Namespace'), (l) => console.log(l));
      break;
    }
    default:
      fail(`unknown command "${command}"\n${usage}`);
  }
} catch (e) {
  fail(`k8s ${command} failed: ${errorMessage(e)}`, 1);
}
