/**
 * LayerSecuritySync and WorkspaceSecuritySync, called directly (run, then commit or rollback of
 * what they staged): from the built-in publisher (`local`, on a real store) to the GeoServer TEST
 * DOUBLE (`gs`), and refused for a real MapServer (`ms`), which has no security rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { isGeosyncError } from '../../src/errors/errors.ts';
import { layerSecuritySyncTask } from '../../src/tasks/layer-security-sync/layer-security-sync.task.ts';
import type { StagedObject, TaskType } from '../../src/tasks/task-type.ts';
import { workspaceSecuritySyncTask } from '../../src/tasks/workspace-security-sync/workspace-security-sync.task.ts';
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
/** The GeoServer double's read rules of the test workspace. */
const remoteRules = () =>
  Object.fromEntries([...servers.fake.state.acl].filter(([key]) => key.startsWith(`${WORKSPACE}.`)));

const parseLayer = (parameters: Record<string, string>) =>
  layerSecuritySyncTask.parameters.parse(parameters) as Parameters<typeof layerSecuritySyncTask.run>[0];
const parseWorkspace = (parameters: Record<string, string>) =>
  workspaceSecuritySyncTask.parameters.parse(parameters) as Parameters<typeof workspaceSecuritySyncTask.run>[0];

async function runTask<P extends Record<string, unknown>>(
  type: TaskType<P>,
  parameters: Record<string, string>,
  earlier: StagedObject[] = [],
) {
  const ctx = taskContext(servers.connections, { earlier });
  const outcome = await type.run(type.parameters.parse(parameters) as P, ctx);
  return { ctx, outcome };
}

before(async () => {
  servers = await startPublicationServers();
  for (const name of ['roads', 'rivers', 'lakes']) await servers.publish('local', name);
  for (const name of ['roads', 'rivers']) await servers.publish('gs', name);
  await servers.publish('ms', 'roads');
  await servers.local.setReadRoles!(ref('roads'), ['ROLE_GIS', 'ROLE_B'], signal());
  await servers.local.setReadRoles!(ref('rivers'), [], signal());
});
after(async () => {
  await servers?.close();
});

describe('LayerSecuritySync (GeoServer test double as target)', () => {
  test('run changes nothing; commit copies the read roles; a removed local rule is removed remotely', async () => {
    const { ctx, outcome } = await runTask(layerSecuritySyncTask, {
      'external-geoserver': 'gs',
      workspace: WORKSPACE,
      layer: 'roads',
    });
    assert.match(outcome.message ?? '', /will be copied from local to gs on commit/);
    assert.deepEqual(remoteRules(), {}, 'nothing happens before commit');
    assert.deepEqual(
      ctx.staged.map((s) => [s.kind, s.name]),
      [['security', `gs:${WORKSPACE}:roads`]],
    );
    await layerSecuritySyncTask.commitStaged(ctx.staged[0]!, ctx);
    assert.deepEqual(remoteRules(), { 'topo.roads.r': 'ROLE_B,ROLE_GIS' });
    assert.deepEqual((await servers.gs.getLayer(ref('roads'), signal()))?.readRoles, ['ROLE_B', 'ROLE_GIS']);

    await servers.local.setReadRoles!(ref('roads'), undefined, signal());
    const again = await runTask(layerSecuritySyncTask, {
      'external-geoserver': 'gs',
      workspace: WORKSPACE,
      layer: 'roads',
    });
    await layerSecuritySyncTask.commitStaged(again.ctx.staged[0]!, again.ctx);
    assert.deepEqual(remoteRules(), {});
    await servers.local.setReadRoles!(ref('roads'), ['ROLE_GIS', 'ROLE_B'], signal());
  });

  test('rollback leaves the remote rules as they were', async () => {
    const { ctx } = await runTask(layerSecuritySyncTask, {
      'external-geoserver': 'gs',
      workspace: WORKSPACE,
      layer: 'rivers',
    });
    await layerSecuritySyncTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.equal(remoteRules()['topo.rivers.r'], undefined);
  });

  test('an empty role list (administrators only) is copied as such', async () => {
    const { ctx } = await runTask(layerSecuritySyncTask, {
      'external-geoserver': 'gs',
      workspace: WORKSPACE,
      layer: 'rivers',
    });
    await layerSecuritySyncTask.commitStaged(ctx.staged[0]!, ctx);
    assert.deepEqual((await servers.gs.getLayer(ref('rivers'), signal()))?.readRoles, []);
  });

  test('a target layer being published in the run gets the roles on its temp layer, which keeps them', async () => {
    const temp = '_temp_0a1b2c3d_forests';
    await servers.publish('local', 'forests');
    await servers.local.setReadRoles!(ref('forests'), ['ROLE_FOREST'], signal());
    await servers.publish('gs', temp, {}, false);
    const { ctx } = await runTask(
      layerSecuritySyncTask,
      { 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'forests' },
      [stagedPublication('gs', 'forests', temp)],
    );
    await layerSecuritySyncTask.commitStaged(ctx.staged[0]!, ctx);
    // The publication's commit (after this one: reverse task order) renames the temp layer.
    await servers.gs.renameLayer(ref(temp), ref('forests'), signal());
    assert.deepEqual((await servers.gs.getLayer(ref('forests'), signal()))?.readRoles, ['ROLE_FOREST']);
  });

  test('a MapServer target is refused at run, before anything happens', async () => {
    const ctx = taskContext(servers.connections);
    const params = parseLayer({
      'external-geoserver': 'ms',
      workspace: WORKSPACE,
      layer: 'roads',
    });
    await assert.rejects(
      layerSecuritySyncTask.run(params, ctx),
      fails('no_security', /Map server 'ms' has no per-layer security rules.*MapServer has none/),
    );
    assert.deepEqual(ctx.staged, []);
  });

  test('bad input: unknown layer on either side, unknown map server, the local server as target', async () => {
    const attempt = async (parameters: Record<string, string>) => {
      const ctx = taskContext(servers.connections);
      const run = layerSecuritySyncTask.run(parseLayer(parameters), ctx);
      return { run, ctx };
    };
    const unknownLocal = await attempt({ 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'nope' });
    await assert.rejects(unknownLocal.run, fails('layer_not_found', /Map server 'local' has no layer 'topo:nope'/));
    assert.deepEqual(unknownLocal.ctx.staged, []);
    const missingRemote = await attempt({ 'external-geoserver': 'gs', workspace: WORKSPACE, layer: 'lakes' });
    await assert.rejects(missingRemote.run, fails('layer_not_found', /Map server 'gs' has no layer 'topo:lakes'/));
    const unknownServer = await attempt({ 'external-geoserver': 'nowhere', workspace: WORKSPACE, layer: 'roads' });
    await assert.rejects(unknownServer.run, fails('connection_not_found', /'nowhere'/));
    const itself = await attempt({ 'external-geoserver': 'local', workspace: WORKSPACE, layer: 'roads' });
    await assert.rejects(itself.run, fails('same_map_server', /the local map server itself/));
    assert.throws(() => parseLayer({ workspace: WORKSPACE, layer: 'roads' }));
    assert.deepEqual(remoteRules()['topo.lakes.r'], undefined);
  });
});

describe('WorkspaceSecuritySync (GeoServer test double as target)', () => {
  test('syncs every layer the target has; a layer missing there is reported, not silently skipped', async () => {
    servers.fake.state.acl.delete('topo.roads.r');
    servers.fake.state.acl.delete('topo.rivers.r');
    const { ctx, outcome } = await runTask(workspaceSecuritySyncTask, {
      'external-geoserver': 'gs',
      workspace: WORKSPACE,
    });
    assert.match(outcome.message ?? '', /read rules of 3 layer\(s\) of workspace topo will be copied/);
    assert.match(outcome.message ?? '', /1 missing on gs, not synced: topo:lakes/);
    assert.ok(
      ctx.logs.some((l) => /^warn: Not on gs, so not synced: topo:lakes/.test(l)),
      ctx.logs.join('\n'),
    );
    assert.deepEqual(remoteRules(), { 'topo.forests.r': 'ROLE_FOREST' }, 'nothing happens before commit');
    await workspaceSecuritySyncTask.commitStaged(ctx.staged[0]!, ctx);
    assert.deepEqual(remoteRules(), {
      'topo.forests.r': 'ROLE_FOREST',
      'topo.roads.r': 'ROLE_B,ROLE_GIS',
      'topo.rivers.r': 'ADMIN',
    });
    assert.ok(
      ctx.logs.some((l) => /^warn: Not synced \(missing on one side\): topo:lakes/.test(l)),
      ctx.logs.join('\n'),
    );
  });

  test('rollback changes nothing', async () => {
    await servers.local.setReadRoles!(ref('roads'), ['ROLE_OTHER'], signal());
    const { ctx } = await runTask(workspaceSecuritySyncTask, { 'external-geoserver': 'gs', workspace: WORKSPACE });
    await workspaceSecuritySyncTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.equal(remoteRules()['topo.roads.r'], 'ROLE_B,ROLE_GIS');
    await servers.local.setReadRoles!(ref('roads'), ['ROLE_GIS', 'ROLE_B'], signal());
  });

  test('bad input: a workspace without local layers, a MapServer target', async () => {
    const empty = taskContext(servers.connections);
    await assert.rejects(
      workspaceSecuritySyncTask.run(parseWorkspace({ 'external-geoserver': 'gs', workspace: 'nowhere' }), empty),
      fails('workspace_not_found', /Map server 'local' has no layers in workspace 'nowhere'/),
    );
    const mapserver = taskContext(servers.connections);
    await assert.rejects(
      workspaceSecuritySyncTask.run(parseWorkspace({ 'external-geoserver': 'ms', workspace: WORKSPACE }), mapserver),
      fails('no_security'),
    );
    assert.deepEqual([...empty.staged, ...mapserver.staged], []);
    assert.throws(() => parseWorkspace({ 'external-geoserver': 'gs' }));
  });
});
