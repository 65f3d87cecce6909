// Lints the rendered manifests with kube-score (built from the Go module proxy
// by setup; kube-linter, which the issue names, is not served there). Every
// warning and critical finding fails, except the exceptions below, each with
// its reason; an exception that no longer matches anything fails too, so the
// list cannot rot.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheLayout, paths } from '../paths.js';
import type { K8sObject } from './model.js';
import { toYaml } from './render-deployment.js';

/** kube-score's grades: 1 critical, 5 warning, 7 almost ok, 10 ok. */
const FAILING_BELOW = 7;

export interface Finding {
  check: string;
  kind: string;
  name: string;
  grade: number;
  comments: string[];
}

export interface LintException {
  check: string;
  /** `Kind/name` of the objects it covers (a RegExp over that); every object when absent. */
  objects?: RegExp;
  why: string;
}

/** Our exceptions to kube-score's defaults, each justified: the config of this lint. */
export const LINT_EXCEPTIONS: LintException[] = [
  {
    check: 'container-image-pull-policy',
    why: 'our image is built locally (cluster/k8s/Containerfile) and loaded into the nodes or a private registry under a fixed tag; Always would make a side-loaded image unrunnable. Upstream images are pinned to exact versions, so IfNotPresent runs exactly what is named',
  },
  {
    check: 'networkpolicy-targets-pod',
    objects: /^NetworkPolicy\/.*-zookeeper-metrics$/,
    why: "it selects ZooKeeper pods that Strimzi creates, which are not in these files; the unit tests join its selector to the model of Strimzi's pods (strimzi.ts)",
  },
  {
    check: 'deployment-replicas',
    objects: /^Deployment\/(prometheus|tempo|grafana|faultline-dashboard|faultline-lag-exporter)$/,
    why: 'singletons outside every fault domain by design: one Prometheus and one Tempo hold the run\'s history in their pod (two would be two different histories), one lag exporter samples the groups, the dashboard and Grafana are views',
  },
  {
    check: 'deployment-strategy',
    objects: /^Deployment\/(prometheus|tempo|grafana)$/,
    why: 'Recreate: one writer on a data volume at a time (a rolling update would run two Prometheus on one TSDB)',
  },
];

export function kubeScoreBinary(env: NodeJS.ProcessEnv = process.env): string {
  const bin = env.KUBE_SCORE ?? cacheLayout(paths(env).cache).kubeScore;
  if (!existsSync(bin)) throw new Error(`kube-score not found at ${bin}: run \`just setup\` (it builds kube-score from the Go module proxy) or set KUBE_SCORE`);
  return bin;
}

interface ScoredObject {
  type_meta: { kind: string };
  object_meta: { name: string };
  checks: { check: { id: string }; grade: number; skipped: boolean; comments: { summary?: string; path?: string; description?: string }[] | null }[];
}

/** Every finding kube-score grades below "almost ok" on these objects (kinds it does not know are ignored by it). */
export function kubeScore(objects: K8sObject[], bin = kubeScoreBinary()): Finding[] {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-kube-score-'));
  try {
    const file = join(dir, 'manifests.yaml');
    writeFileSync(file, toYaml(objects));
    let out: string;
    try {
      out = execFileSync(bin, ['score', '--output-format', 'json', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    } catch (e) {
      // exit 1 = findings: the JSON is still on stdout
      out = (e as { stdout?: string }).stdout ?? '';
      if (!out.trim()) throw new Error(`kube-score failed on the rendered manifests: ${(e as Error).message}`);
    }
    const scored = JSON.parse(out) as ScoredObject[];
    return scored.flatMap((o) =>
      o.checks
        .filter((c) => !c.skipped && c.grade < FAILING_BELOW)
        .map((c) => ({
          check: c.check.id,
          kind: o.type_meta.kind,
          name: o.object_meta.name,
          grade: c.grade,
          comments: (c.comments ?? []).map((x) => [x.path, x.summary].filter(Boolean).join(': ')),
        })),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LintResult {
  failures: Finding[];
  excused: { finding: Finding; why: string }[];
  /** Exceptions that matched no finding: stale, to be removed. */
  unused: LintException[];
}

export function judge(findings: Finding[], exceptions: LintException[] = LINT_EXCEPTIONS): LintResult {
  const used = new Set<LintException>();
  const failures: Finding[] = [];
  const excused: LintResult['excused'] = [];
  for (const f of findings) {
    const ex = exceptions.find((e) => e.check === f.check && (!e.objects || e.objects.test(`${f.kind}/${f.name}`)));
    if (ex) {
      used.add(ex);
      excused.push({ finding: f, why: ex.why });
    } else failures.push(f);
  }
  return { failures, excused, unused: exceptions.filter((e) => !used.has(e)) };
}

export const describeFinding = (f: Finding) => `${f.kind}/${f.name}: ${f.check} (${f.grade === 1 ? 'critical' : 'warning'})${f.comments.length ? `: ${f.comments.join('; ')}` : ''}`;
