/**
 * MetadataSync with `external-geoserver`, called directly (run, then commit or rollback of what it
 * staged): the metadata of a layer of the built-in publisher (`local`, on a real store) is copied
 * onto the same-named layer of the GeoServer TEST DOUBLE (`gs`) and of a real MapServer (`ms`,
 * read back through `mapserv` GetCapabilities as wms_* metadata); rollback restores the remote
 * metadata. Plus the parameter combinations it refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { LayerMetadata } from '../../src/connectors/publisher.ts';
import { isGeosyncError } from '../../src/errors/errors.ts';
import { metadataSyncTask } from '../../src/tasks/metadata-sync/metadata-sync.task.ts';
import type { StagedObject } from '../../src/tasks/task-type.ts';
import {
  type PublicationServers,
  signal,
  stagedPublication,
  startPublicationServers,
  WORKSPACE,
} from './publication-servers.test-helper.ts';
import { taskContext } from './task-context.ts';

let servers: PublicationServers;
const ref = (name: string) => ({ workspace: WORKSPACE, name });
const fails = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(isGeosyncError(error), `expected a geosync error, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return true;
};

const LOCAL: LayerMetadata = {
  title: 'Roads',
  abstract: 'Every road of the region',
  keywords: ['transport', 'roads'],
  metadataLinks: [{ href: 'https://csw.example.org/?id=roads', type: 'ISO19115:2003', format: 'text/xml' }],
  dataTimestamp: '2026-11-30T08:00:00.000Z',
  metadataTimestamp: '2026-12-01T09:30:00.000Z',
};
const REMOTE: LayerMetadata = { title: 'Old roads', abstract: 'Outdated', keywords: ['old'] };

const metadataOf = async (on: 'local' | 'gs' | 'ms', name: string) =>
  (await servers[on].getLayer(ref(name), signal()))?.metadata;
/** The fields the GeoServer double keeps of a resource's metadata (it has no time stamps). */
const described = (m: LayerMetadata | undefined) => ({
  title: m?.title,
  abstract: m?.abstract,
  keywords: m?.keywords ?? [],
  metadataLinks: m?.metadataLinks ?? [],
});

const withoutLinks = (m: LayerMetadata | undefined) => {
  const { metadataLinks: _links, ...rest } = described(m);
  return rest;
};

const parse = (parameters: Record<string, string>) =>
  metadataSyncTask.parameters.parse(parameters) as Parameters<typeof metadataSyncTask.run>[0];

async function runSync(parameters: Record<string, string>, earlier: StagedObject[] = []) {
  const ctx = taskContext(servers.connections, { earlier });
  const outcome = await metadataSyncTask.run(parse(parameters), ctx);
  return { ctx, outcome };
}

before(async () => {
  servers = await startPublicationServers();
  await servers.publish('local', 'roads', LOCAL);
  await servers.publish('gs', 'roads', REMOTE);
  await servers.publish('ms', 'roads', REMOTE);
});
after(async () => {
  await servers?.close();
});

describe('MetadataSync local -> GeoServer test double', () => {
  test('copies title, abstract, keywords and metadata links; rollback restores the remote metadata', async () => {
    const { ctx, outcome } = await runSync({ 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'roads' });
    assert.equal(outcome.message, `Copied the metadata of ${WORKSPACE}:roads from local to gs`);
    assert.deepEqual(described(await metadataOf('gs', 'roads')), described(LOCAL));
    assert.deepEqual(await metadataOf('local', 'roads'), LOCAL, 'the local layer is left alone');
    assert.equal(ctx.staged[0]?.name, `gs:${WORKSPACE}:roads`);
    await metadataSyncTask.rollbackStaged(ctx.staged[0], ctx);
    assert.deepEqual(withoutLinks(await metadataOf('gs', 'roads')), withoutLinks(REMOTE));
  });

  test('rollback also removes the metadata links the remote layer did not have', async () => {
    await servers.publish('gs', 'roads', REMOTE); // publishing replaces: no metadata links
    const { ctx } = await runSync({ 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'roads' });
    await metadataSyncTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.deepEqual(described(await metadataOf('gs', 'roads')), described(REMOTE));
  });

  test('explicit title, abstract and keywords override the copied ones; commit keeps the result', async () => {
    const { ctx } = await runSync({
      'external-geoserver': 'gs',
      workspace: WORKSPACE,
      layer: 'roads',
      title: 'Routes',
      keywords: 'a, b',
    });
    await metadataSyncTask.commitStaged(ctx.staged[0]!, ctx);
    assert.deepEqual(described(await metadataOf('gs', 'roads')), {
      ...described(LOCAL),
      title: 'Routes',
      keywords: ['a', 'b'],
    });
  });

  test('a remote layer being published in the run: its temp layer gets the copy too', async () => {
    const temp = '_temp_7e7e7e7e_roads';
    await servers.publish('gs', temp, REMOTE, false);
    const { ctx } = await runSync({ 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'roads' }, [
      stagedPublication('gs', 'roads', temp),
    ]);
    assert.deepEqual(described(await metadataOf('gs', temp)), described(LOCAL));
    await metadataSyncTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.deepEqual(withoutLinks(await metadataOf('gs', temp)), withoutLinks(REMOTE));
    await servers.gs.removeLayer(ref(temp), signal());
  });
});

describe('MetadataSync local -> MapServer', () => {
  test('the copy becomes wms_* metadata in GetCapabilities; rollback restores the old one', async () => {
    const { ctx } = await runSync({ 'external-geoserver': 'ms', workspace: WORKSPACE, layer: 'roads' });
    assert.deepEqual(await metadataOf('ms', 'roads'), LOCAL);
    const capabilities = await servers.capabilities();
    assert.match(capabilities, /<Title>Roads<\/Title>/);
    assert.match(capabilities, /<Abstract>Every road of the region<\/Abstract>/);
    assert.match(capabilities, /<Keyword>transport<\/Keyword>\s*<Keyword>roads<\/Keyword>/);
    assert.match(capabilities, /<MetadataURL type="ISO19115:2003">[\s\S]*?https:\/\/csw\.example\.org\/\?id=roads/);
    await metadataSyncTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.deepEqual(await metadataOf('ms', 'roads'), REMOTE);
    const restored = await servers.capabilities();
    assert.match(restored, /<Title>Old roads<\/Title>/);
    assert.doesNotMatch(restored, /csw\.example\.org/);
  });

  test('a local layer being published in the run is read from its temp layer', async () => {
    const temp = '_temp_11223344_roads';
    await servers.publish('local', temp, { ...LOCAL, title: 'Roads, republished' }, false);
    const { ctx } = await runSync({ 'external-geoserver': 'ms', workspace: WORKSPACE, layer: 'roads' }, [
      stagedPublication('local', 'roads', temp),
    ]);
    assert.equal((await metadataOf('ms', 'roads'))?.title, 'Roads, republished');
    await metadataSyncTask.rollbackStaged(ctx.staged[0]!, ctx);
    await servers.local.removeLayer(ref(temp), signal());
  });
});

describe('MetadataSync: bad input', () => {
  const refused = async (parameters: Record<string, string>, code: string, message: RegExp) => {
    const ctx = taskContext(servers.connections);
    await assert.rejects(metadataSyncTask.run(parse(parameters), ctx), fails(code, message));
    assert.deepEqual(ctx.staged, [], 'nothing staged');
  };

  test('refuses the local server as external-geoserver, and external-geoserver with map-server', async () => {
    await refused(
      { 'external-geoserver': 'local', workspace: WORKSPACE, layer: 'roads' },
      'same_map_server',
      /'external-geoserver' is 'local', the local map server itself/,
    );
    await refused(
      { 'external-geoserver': 'gs', 'map-server': 'ms', workspace: WORKSPACE, layer: 'roads' },
      'conflicting_parameters',
      /either 'map-server' .* or 'external-geoserver' .*, not both/,
    );
  });

  test('unknown layer (local or remote) and unknown map server; the remote is left as it was', async () => {
    const before = await metadataOf('gs', 'roads');
    await servers.publish('local', 'rivers', { title: 'Rivers' });
    await refused(
      { 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'nope' },
      'layer_not_found',
      /'local' has no layer 'topo:nope'/,
    );
    await refused(
      { 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'rivers' },
      'layer_not_found',
      /'gs' has no layer 'topo:rivers'/,
    );
    await refused(
      { 'external-geoserver': 'nowhere', workspace: WORKSPACE, layer: 'roads' },
      'connection_not_found',
      /'nowhere'/,
    );
    assert.deepEqual(await metadataOf('gs', 'roads'), before);
  });
});
