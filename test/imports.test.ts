import { fileURLToPath } from 'node:url';
import { importsOf, repoImports, violations } from './imports.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('the dependency rules', () => {
  test('the repository keeps them: no import into another folder’s internals, none against the direction', () => {
    const imports = repoImports(ROOT);
    expect(imports.length).toBeGreaterThan(500);
    expect(violations(imports)).toEqual([]);
  });

  test('a deliberately wrong import is caught: into internals, and against the direction', () => {
    const wrong = [
      ...importsOf('chaos/core/runner.ts', "import { Supervisor } from '../../cluster/processes/supervisor.js';"),
      ...importsOf('pipeline/process/main.ts', "import { kafka } from '../../cluster/index.js';"),
      ...importsOf('reports/render.ts', "export type { RunResult } from '../chaos/index.js';"),
      ...importsOf('cluster/drain.ts', "const m = await import('../chaos/core/runner.js');"),
    ];
    expect(violations(wrong)).toEqual([
      "chaos/core/runner.ts imports cluster/processes/supervisor.ts: into cluster/'s internals (only an index.ts of it may be imported)",
      'pipeline/process/main.ts imports cluster/index.ts: pipeline/ may not import cluster/',
      'reports/render.ts imports chaos/index.ts: reports/ may not import chaos/',
      'cluster/drain.ts imports chaos/core/runner.ts: cluster/ may not import chaos/',
    ]);
  });

  test('imports inside a folder, of packages, of an index, and a test’s are allowed', () => {
    const ok = [
      ...importsOf('chaos/core/runner.ts', "import { x } from './context.js';\nimport pino from 'pino';"),
      ...importsOf('chaos/core/final-phase.ts', "import { readToEnd } from '../../pipeline/kafka/index.js';"),
      // a live test runs its stage on a cluster
      ...importsOf('pipeline/lag/lag.live.test.ts', "import { kafka } from '../../cluster/index.js';"),
    ];
    expect(ok.map((i) => i.target)).toEqual(['chaos/core/context.ts', 'pipeline/kafka/index.ts', 'cluster/index.ts']);
    expect(violations(ok)).toEqual([]);
  });
});
