// Unit tests of the capability checks of validation (no store): which map server a parameter
// stands for, the local one included, and where a missing capability is reported.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { PublisherCapabilities } from '../../connectors/publisher.ts';
import { builtinTaskTypes } from '../../tasks/builtin.ts';
import { createTaskTypeRegistry } from '../../tasks/task-registry.ts';
import type { TaskParameters } from './attributes.ts';
import { capabilitiesNeededBy } from './attributes.ts';
import type { MapServerLookup } from './map-server-capabilities.ts';
import { mapServersToLookUp, validateConfiguration } from './validate-configuration.ts';

const registry = createTaskTypeRegistry(builtinTaskTypes);
const ALL: PublisherCapabilities = { security: true, cache: true, appSchema: true, raster: true };
const MAPSERVER: PublisherCapabilities = { security: false, cache: false, appSchema: false, raster: true };
const BUILTIN: PublisherCapabilities = { security: true, cache: true, appSchema: false, raster: false };
const servers: Record<string, PublisherCapabilities> = { gs: ALL, ms: MAPSERVER, local: BUILTIN };

const lookup = (local: string): MapServerLookup => ({ local, capabilities: (name) => servers[name] });
const problems = (tasks: TaskParameters[], local = 'local') =>
  validateConfiguration({ template: false, attributes: {}, tasks }, registry, lookup(local))
    .filter((p) => p.code === 'missing_capability')
    .map((p) => [p.location, p.message.replace(/ (has|cannot).*/, '')]);
const task = (type: string, parameters: Record<string, string>): TaskParameters => ({ name: 't', type, parameters });

test('an omitted map-server stands for the local map server, and is reported as such', () => {
  assert.deepEqual(problems([task('ClearCachedLayer', { layer: 'a' })], 'ms'), [
    ['tasks.t.map-server', "The local map server 'ms'"],
  ]);
  assert.deepEqual(problems([task('LocalFilePublication', { fileService: 'f', file: 'x.tif', layer: 'a' })]), [
    ['tasks.t.map-server', "The local map server 'local'"],
  ]);
  assert.deepEqual(problems([task('ClearCachedLayer', { layer: 'a' })]), []);
});

test('external-geoserver given: the local map server is not the target, so not checked', () => {
  assert.deepEqual(problems([task('ClearCachedLayer', { 'external-geoserver': 'gs', layer: 'a' })], 'ms'), []);
});

test('security sync: the local map server (the source of the rules) needs security rules too', () => {
  assert.deepEqual(problems([task('LayerSecuritySync', { 'external-geoserver': 'gs', layer: 'a' })], 'ms'), [
    ['tasks.t.external-geoserver', "The local map server 'ms'"],
  ]);
  assert.deepEqual(problems([task('WorkspaceSecuritySync', { 'external-geoserver': 'ms', workspace: 'w' })]), [
    ['tasks.t.external-geoserver', "Map server 'ms'"],
  ]);
});

test('app-schema and raster publication name what they need', () => {
  const appSchema = { 'external-geoserver': 'ms', fileService: 'f', file: 'm.xml', layer: 'a' };
  assert.deepEqual(problems([task('RemoteAppSchemaPublication', appSchema)]), [
    ['tasks.t.external-geoserver', "Map server 'ms'"],
  ]);
  assert.deepEqual(
    problems([task('LocalFilePublication', { fileService: 'f', file: 'x', layer: 'a', 'map-server': 'ms' })]),
    [],
  );
});

test('unknown servers and types that declare nothing are left to the run', () => {
  assert.deepEqual(problems([task('LayerSecuritySync', { 'external-geoserver': 'nowhere', layer: 'a' })]), []);
});

test('only the servers the checks need are looked up', () => {
  const config = {
    template: false,
    attributes: { target: 'ms' },
    tasks: [
      task('LayerSecuritySync', { 'external-geoserver': '${target}', layer: 'a' }),
      task('LocalDbPublication', { database: 'd', 'table-name': 't', layer: 'a', 'map-server': 'other' }),
    ],
  };
  assert.deepEqual([...mapServersToLookUp(config, registry, 'local')].sort(), ['local', 'ms']);
});

test('an attribute read by a security target needs security; one read by several parameters, all of it', () => {
  const parametersOf = (type: string) => registry.parametersOf(type);
  const tasks = [
    task('LayerSecuritySync', { 'external-geoserver': '${target}', layer: 'a' }),
    { ...task('ClearCachedLayer', { 'map-server': '${target}', layer: 'a' }), name: 'u' },
    task('MetadataSync', { 'map-server': '${other}', layer: 'a' }),
  ];
  assert.deepEqual(capabilitiesNeededBy(tasks, parametersOf, 'target'), ['cache', 'security']);
  assert.deepEqual(capabilitiesNeededBy(tasks, parametersOf, 'other'), []);
});
