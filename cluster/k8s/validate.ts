// Offline validation of rendered manifests, for the tests (it loads dev
// dependencies, so index.ts does not export it):
//  - core kinds: the `kubernetes-models` package's validators (types, required
//    fields, enums, from the Kubernetes OpenAPI), plus a strict unknown-field
//    walk over @kubernetes/client-node's generated models, because
//    kubernetes-models accepts fields it does not know (a misspelt
//    `imagePullPolcy` passes it). Together: what `kubeconform -strict` checks.
//  - Strimzi and Chaos Mesh kinds: ajv against the CRD schemas in
//    shared/k8s-schemas (strict: additionalProperties false), plus the same
//    walk over their metadata (the CRD schemas leave metadata open).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import * as k8s from '@kubernetes/client-node';
import type { K8sObject } from './model.js';
import { errorMessage } from '../args.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The CRD schema directory: $FAULTLINE_K8S_SCHEMAS, else `<repo>/../shared/k8s-schemas`, else
 * /work/shared/k8s-schemas. Throws (the test fails, never skips) when none exists.
 */
export function schemasDir(env: NodeJS.ProcessEnv = process.env): string {
  // the variable overrides: when set, only it is looked at (a wrong value must not silently fall back)
  const candidates = env.FAULTLINE_K8S_SCHEMAS ? [env.FAULTLINE_K8S_SCHEMAS] : [join(REPO, '..', 'shared', 'k8s-schemas'), '/work/shared/k8s-schemas'];
  const found = candidates.find((d) => existsSync(join(d, 'kafka.strimzi.io')) && existsSync(join(d, 'chaos-mesh.org')));
  if (!found) {
    throw new Error(
      `no CRD schemas for Strimzi / Chaos Mesh found (looked in ${candidates.join(', ')}): the Kubernetes manifests cannot be validated. ` +
        'Point FAULTLINE_K8S_SCHEMAS at a directory with kafka.strimzi.io/ and chaos-mesh.org/ schema files (shared/k8s-schemas beside the repo).',
    );
  }
  return found;
}

const CUSTOM_GROUPS = ['kafka.strimzi.io', 'core.strimzi.io', 'chaos-mesh.org'];
const isCustom = (x: K8sObject) => CUSTOM_GROUPS.includes(x.apiVersion.split('/')[0]!);

// ---- strict unknown-field walk over client-node's models ----

type AttributeMap = { name: string; baseName: string; type: string }[];
const models = k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap }>;
const PRIMITIVES = new Set(['string', 'number', 'boolean', 'any', 'object', 'Date', 'IntOrString']);

/** Every field not in the model of `type`, as JSON paths. */
export function unknownFields(value: unknown, type: string, path = ''): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`)) : [`${path} (expected a list)`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return typeof value === 'object' ? Object.entries(value as object).flatMap(([k, v]) => unknownFields(v, map[1]!, `${path}.${k}`)) : [`${path} (expected a map)`];
  if (PRIMITIVES.has(type)) return [];
  const model = models[type]?.getAttributeTypeMap?.();
  if (!model) throw new Error(`no client-node model ${type} (at ${path || 'the root'}): the strict check cannot see this field's shape`);
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path} (expected an object of ${type})`];
  const known = new Map(model.map((a) => [a.baseName, a.type]));
  return Object.entries(value as object).flatMap(([k, v]) => (known.has(k) ? unknownFields(v, known.get(k)!, `${path}.${k}`) : [`${path}.${k} (unknown field of ${type})`]));
}

/** client-node's class for a core kind: apps/v1 Deployment -> V1Deployment. */
const modelName = (x: K8sObject) => {
  const version = x.apiVersion.split('/').at(-1)!;
  return `${version[0]!.toUpperCase()}${version.slice(1)}${x.kind}`;
};

// ---- validators ----

type Model = Record<string, new (d: unknown) => { validate(): void }>;
const coreModels = new Map<string, Model>();
async function coreModel(path: string): Promise<Model> {
  let m = coreModels.get(path);
  if (!m) {
    m = (await import(`kubernetes-models/${path}`)) as Model;
    coreModels.set(path, m);
  }
  return m;
}

async function validateCore(x: K8sObject): Promise<string[]> {
  let mod: Model;
  try {
    mod = await coreModel(`${x.apiVersion}/${x.kind}`);
  } catch (e) {
    return [`no kubernetes-models model for ${x.apiVersion} ${x.kind} (${errorMessage(e)})`];
  }
  const problems: string[] = [];
  try {
    new mod[x.kind]!(x).validate();
  } catch (e) {
    problems.push(errorMessage(e));
  }
  return [...problems, ...unknownFields(x, modelName(x))];
}

const compiled = new Map<string, ValidateFunction>();
function customValidator(x: K8sObject): ValidateFunction {
  const [group, version] = x.apiVersion.split('/') as [string, string];
  const file = join(schemasDir(), group, `${x.kind.toLowerCase()}_${version}.json`);
  let v = compiled.get(file);
  if (!v) {
    if (!existsSync(file)) throw new Error(`no schema for ${x.apiVersion} ${x.kind} (expected ${file})`);
    // CRD schemas carry x-kubernetes-* keywords and Go formats (int32, date-time): known to the API server, not to ajv
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    v = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
    compiled.set(file, v);
  }
  return v;
}

function validateCustom(x: K8sObject): string[] {
  const v = customValidator(x);
  const problems = v(x) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? `: ${(e.params as { additionalProperty: string }).additionalProperty}` : ''}`);
  return [...problems, ...unknownFields(x.metadata, 'V1ObjectMeta', '.metadata')];
}

/** Every problem of one manifest, prefixed with its kind and name; empty when valid. */
export async function validate(x: K8sObject): Promise<string[]> {
  const problems = isCustom(x) ? validateCustom(x) : await validateCore(x);
  return problems.map((p) => `${x.kind}/${x.metadata?.name}: ${p}`);
}

/** One at a time: concurrent first imports of one module under Jest's ESM loader sometimes fail. */
export async function validateAll(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const x of objects) problems.push(...(await validate(x)));
  return problems;
}
