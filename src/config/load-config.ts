import { existsSync, readFileSync } from 'node:fs';

import { parse as parseYaml } from 'yaml';

import { UserError } from '../errors/errors.ts';
import { zodDetails } from '../errors/zod-details.ts';
import { listConfigFields } from './config-fields.ts';
import { type AppConfig, configSchema } from './config.schema.ts';

/** Environment variables that are not settings but choose where settings come from. */
const META_ENV = new Set(['GEOSYNC_CONFIG']);
/** Prefixes the test tooling uses; they are not settings. */
const IGNORED_ENV_PREFIXES = ['GEOSYNC_TEST_'];

export interface LoadConfigOptions {
  /** YAML file; default: $GEOSYNC_CONFIG, else ./geosync.yaml when it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over file and environment (CLI flags, tests). */
  overrides?: Record<string, unknown>;
}

function readFileSettings(file: string | undefined, explicit: boolean): Record<string, unknown> {
  if (!file || (!explicit && !existsSync(file))) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new UserError('config_unreadable', `Cannot read settings file ${file}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (cause) {
    throw new UserError('config_invalid', `Settings file ${file} is not valid YAML: ${String(cause)}`, { cause });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError('config_invalid', `Settings file ${file} must hold a mapping of settings`);
  }
  return parsed as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    node[part] = typeof next === 'object' && next !== null ? next : {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function readEnvSettings(env: NodeJS.ProcessEnv, into: Record<string, unknown>): string[] {
  const fields = new Map(listConfigFields(configSchema).map((f) => [f.env, f]));
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('GEOSYNC_') || value === undefined || META_ENV.has(name)) continue;
    if (IGNORED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    const field = fields.get(name);
    if (field) setPath(into, field.path, value);
    else unknown.push(name);
  }
  return unknown;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function mergeDeep(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const prev = out[key];
    const bothObjects = [prev, value].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    out[key] = bothObjects ? mergeDeep(prev as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/**
 * Reads settings from file, then environment, then overrides; validates them once; lists every
 * problem; returns a frozen object.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const explicitFile = options.file ?? env.GEOSYNC_CONFIG;
  const raw = readFileSettings(explicitFile ?? 'geosync.yaml', explicitFile !== undefined);
  const fromEnv: Record<string, unknown> = {};
  const unknownEnv = readEnvSettings(env, fromEnv);
  const merged = mergeDeep(mergeDeep(raw, fromEnv), options.overrides ?? {});
  const result = configSchema.safeParse(merged);
  const details = [
    ...unknownEnv.map((name) => ({ field: name, message: 'unknown setting (environment variable)' })),
    ...(result.success ? [] : zodDetails(result.error)),
  ];
  if (!result.success || details.length > 0) {
    const list = details.map((d) => `  - ${d.field ?? '(root)'}: ${d.message}`).join('\n');
    throw new UserError('config_invalid', `Invalid settings:\n${list}`, { details });
  }
  return deepFreeze(result.data);
}
