/**
 * TimeStamp, called directly (run, then commit or rollback of what it staged), on the built-in
 * publisher (`local`, on a real store) and a real MapServer (`ms`): both stamps set to now, the
 * previous ones recorded first and restored on rollback (a stamp the layer did not have is
 * removed again), a layer being published in the run stamped under its temp name, bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { LayerMetadata } from '../../src/connectors/publisher.ts';
import { isGeosyncError } from '../../src/errors/errors.ts';
import type { StagedObject } from '../../src/tasks/task-type.ts';
import { timeStampTask } from '../../src/tasks/time-stamp/time-stamp.task.ts';
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
const metadataOf = async (on: 'local' | 'ms' | 'gs', name: string) =>
  (await servers[on].getLayer(ref(name), signal()))?.metadata;
const OLD: LayerMetadata = { title: 'Parcels', dataTimestamp: '2020-01-01T00:00:00.000Z' };

const parse = (parameters: Record<string, string>) =>
  timeStampTask.parameters.parse(parameters) as Parameters<typeof timeStampTask.run>[0];

async function stamp(parameters: Record<string, string>, earlier: StagedObject[] = []) {
  const ctx = taskContext(servers.connections, { earlier });
  const before = Date.now();
  const outcome = await timeStampTask.run(parse(parameters), ctx);
  return { ctx, outcome, before, after: Date.now() };
}

/** Both stamps equal, ISO 8601 UTC, taken during the run. */
function assertStampedNow(metadata: LayerMetadata | undefined, before: number, after: number): void {
  assert.match(metadata?.dataTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(metadata?.metadataTimestamp, metadata?.dataTimestamp);
  const at = Date.parse(metadata!.dataTimestamp!);
  assert.ok(at >= before && at <= after, `${metadata!.dataTimestamp} not within the run`);
}

before(async () => {
  servers = await startPublicationServers();
  await servers.publish('local', 'parcels', OLD);
  await servers.publish('ms', 'parcels', OLD);
  await servers.publish('gs', 'parcels', OLD);
});
after(async () => {
  await servers?.close();
});

describe('TimeStamp', () => {
  test('stamps the local layer now, recording the previous stamps first; rollback restores them', async () => {
    const { ctx, outcome, before, after } = await stamp({ workspace: WORKSPACE, layer: 'parcels' });
    assert.match(outcome.message ?? '', /^Stamped topo:parcels on local with \d{4}-/);
    const stamped = await metadataOf('local', 'parcels');
    assertStampedNow(stamped, before, after);
    assert.equal(stamped?.title, 'Parcels', 'the rest of the metadata is kept');
    assert.deepEqual(ctx.staged[0]?.data.layers, [{ ref: ref('parcels'), dataTimestamp: OLD.dataTimestamp }]);
    // A change another task made meanwhile is not undone by this rollback.
    await servers.local.updateMetadata(ref('parcels'), { ...stamped, abstract: 'Cadastre' }, signal());
    await timeStampTask.rollbackStaged(ctx.staged[0], ctx);
    assert.deepEqual(await metadataOf('local', 'parcels'), { ...OLD, abstract: 'Cadastre' });
    await servers.local.updateMetadata(ref('parcels'), OLD, signal());
  });

  test('commit keeps the stamps', async () => {
    const { ctx, before, after } = await stamp({ workspace: WORKSPACE, layer: 'parcels' });
    await timeStampTask.commitStaged(ctx.staged[0]!, ctx);
    assertStampedNow(await metadataOf('local', 'parcels'), before, after);
    await servers.local.updateMetadata(ref('parcels'), OLD, signal());
  });

  test('on MapServer (map-server): stamped, and restored by rollback', async () => {
    const { ctx, before, after } = await stamp({ 'map-server': 'ms', workspace: WORKSPACE, layer: 'parcels' });
    assertStampedNow(await metadataOf('ms', 'parcels'), before, after);
    await timeStampTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.deepEqual(await metadataOf('ms', 'parcels'), OLD);
  });

  test('on the GeoServer test double (its configured metadata keys): stamped, and restored by rollback', async () => {
    const { ctx, before, after } = await stamp({ 'map-server': 'gs', workspace: WORKSPACE, layer: 'parcels' });
    assertStampedNow(await metadataOf('gs', 'parcels'), before, after);
    await timeStampTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.equal((await metadataOf('gs', 'parcels'))?.dataTimestamp, OLD.dataTimestamp);
  });

  test('on the GeoServer test double, rollback removes the stamp the layer did not have', async () => {
    await servers.publish('gs', 'parcels', OLD); // publishing replaces: no metadata stamp
    assert.equal((await metadataOf('gs', 'parcels'))?.metadataTimestamp, undefined);
    const { ctx } = await stamp({ 'map-server': 'gs', workspace: WORKSPACE, layer: 'parcels' });
    await timeStampTask.rollbackStaged(ctx.staged[0]!, ctx);
    assert.equal((await metadataOf('gs', 'parcels'))?.metadataTimestamp, undefined);
  });

  test('a layer being published in the run: live and temp layer stamped, a new one under its temp name', async () => {
    const temp = '_temp_abcdef01_parcels';
    await servers.publish('local', temp, OLD, false);
    const republished = await stamp({ workspace: WORKSPACE, layer: 'parcels' }, [
      stagedPublication('local', 'parcels', temp),
    ]);
    assertStampedNow(await metadataOf('local', temp), republished.before, republished.after);
    assertStampedNow(await metadataOf('local', 'parcels'), republished.before, republished.after);
    await timeStampTask.rollbackStaged(republished.ctx.staged[0]!, republished.ctx);
    assert.deepEqual(await metadataOf('local', temp), OLD);
    assert.deepEqual(await metadataOf('local', 'parcels'), OLD);

    const newTemp = '_temp_abcdef02_fresh';
    await servers.publish('local', newTemp, {}, false);
    const fresh = await stamp({ workspace: WORKSPACE, layer: 'fresh' }, [stagedPublication('local', 'fresh', newTemp)]);
    assertStampedNow(await metadataOf('local', newTemp), fresh.before, fresh.after);
    // Rolled back after the publication removed its temp layer (reverse order): nothing to restore.
    await servers.local.removeLayer(ref(newTemp), signal());
    await timeStampTask.rollbackStaged(fresh.ctx.staged[0]!, fresh.ctx);
    assert.ok(fresh.ctx.logs.some((l) => /is gone: no metadata to restore/.test(l)));
  });

  test('bad input: unknown layer, unknown map server; nothing staged', async () => {
    const refused = async (parameters: Record<string, string>, code: string, message: RegExp) => {
      const ctx = taskContext(servers.connections);
      await assert.rejects(timeStampTask.run(parse(parameters), ctx), (error: unknown) => {
        assert.ok(isGeosyncError(error));
        assert.equal(error.code, code);
        assert.match(error.message, message);
        return true;
      });
      assert.deepEqual(ctx.staged, []);
    };
    await refused({ workspace: WORKSPACE, layer: 'nope' }, 'layer_not_found', /'local' has no layer 'topo:nope'/);
    await refused({ 'map-server': 'nowhere', layer: 'parcels' }, 'connection_not_found', /'nowhere'/);
    assert.throws(() => timeStampTask.parameters.parse({ workspace: WORKSPACE }));
  });
});
