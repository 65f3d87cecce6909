// The dependency rules of DESIGN.md, checked over the sources' import statements (an equivalent of
// dependency-cruiser, with nothing to install): a module reaches into another top-level folder only through an
// `index.ts` of it, and the folders import each other in one direction only.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Top-level folders that may not import from the listed ones. */
export const FORBIDDEN: Record<string, string[]> = {
  pipeline: ['cluster', 'chaos', 'loadtests', 'reports', 'dashboards', 'test'],
  reports: ['chaos', 'cluster', 'pipeline', 'loadtests', 'dashboards', 'test'],
  cluster: ['chaos', 'loadtests', 'reports', 'test'],
  dashboards: ['chaos', 'cluster', 'pipeline', 'loadtests', 'reports', 'test'],
};

export interface Import {
  from: string;
  target: string;
}

const SPECIFIER = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The repository-relative files a source's relative imports name (packages are not ours to judge). Pure. */
export function importsOf(file: string, source: string): Import[] {
  const out: Import[] = [];
  for (const m of source.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith('.')) continue;
    out.push({ from: file, target: normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts') });
  }
  return out;
}

const top = (path: string) => path.split('/')[0]!;

/**
 * Tests and the test tooling are outside the rules: a live test of a stage needs a cluster to run it on, and a unit
 * test may reach the internals it tests. So are the root's config files.
 */
const exempt = (file: string) => /\.(test|spec|setup|teardown)\.ts$/.test(file) || top(file) === 'test' || !file.includes('/');

/**
 * What breaks the rules: an import into another top-level folder that is not one of its `index.ts` files, and an
 * import a folder may not make at all. Pure.
 */
export function violations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const { from, target } of imports) {
    const [a, b] = [top(from), top(target)];
    if (a === b || exempt(from)) continue;
    if (FORBIDDEN[a]?.includes(b)) out.push(`${from} imports ${target}: ${a}/ may not import ${b}/`);
    else if (!/(^|\/)index\.ts$/.test(target)) out.push(`${from} imports ${target}: into ${b}/'s internals (only an index.ts of it may be imported)`);
  }
  return out;
}

/** Every TypeScript source of the repository (not node_modules, not run output), repository-relative. */
export function sources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === 'out' || e.name === 'test-results') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

export const repoImports = (root: string): Import[] => sources(root).flatMap((f) => importsOf(f, readFileSync(join(root, f), 'utf8')));
