/**
 * LocalFilePublication and RemoteFilePublication against real MapServer 8 (`mapserv` run as CGI,
 * `map2img`), twice (a local and a remote map server), a local folder file service (read by path)
 * and an SFTP server (ssh2's, files uploaded to MapServer). The task types are called directly,
 * with CopyFile in the same run where versions matter; commit and rollback go in reverse task
 * order, as the engine does.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { builtinConnectorTypes } from '../../src/connectors/builtin.ts';
import type { Connector } from '../../src/connectors/connector.ts';
import { type FileService, isFileService } from '../../src/connectors/file-service.ts';
import { isPublisher, type Publisher } from '../../src/connectors/publisher.ts';
import {
  mapserv,
  PNG_SIGNATURE,
  pixelsUnlikeCorner,
  writeServiceConfig,
} from '../../src/connectors/mapserver/mapserver-wms.test-helper.ts';
import { isGeosyncError, UserError } from '../../src/errors/errors.ts';
import { copyFileTask } from '../../src/tasks/copy-file/copy-file.task.ts';
import { localFilePublicationTask } from '../../src/tasks/local-file-publication/local-file-publication.task.ts';
import { remoteFilePublicationTask } from '../../src/tasks/remote-file-publication/remote-file-publication.task.ts';
import type { StagedObject, TaskConnections, TaskType } from '../../src/tasks/task-type.ts';
import {
  rsaPrivateKey,
  SFTP_PASSWORD,
  SFTP_USER,
  startSftpServer,
  type TestSftpServer,
} from '../helpers/sftp-server.ts';
import { FAKE_GEOSERVER_ADMIN, type FakeGeoServer, startFakeGeoServer } from '../helpers/fake-geoserver.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { taskContext } from './task-context.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/raster');
const CHECKER = path.join(fixtures, 'checker-4326.tif');
const STRIPES = path.join(fixtures, 'stripes-4326.tif');

let sftp: TestSftpServer;
let geoserver: FakeGeoServer;
let filesRoot: string;
const opened: Connector[] = [];
const services = new Map<string, FileService>();
const mapServers = new Map<string, Publisher>();
/** For each MapServer: its folder and its mapserv config (to ask it as a WMS client would). */
const wms = new Map<string, { dir: string; config: string }>();

function open(type: string, config: Record<string, unknown>): Connector {
  const connectorType = builtinConnectorTypes.find((t) => t.type === type)!;
  const connector = connectorType.create(connectorType.config.parse(config), { dataDir: '/nonexistent' });
  opened.push(connector);
  return connector;
}

async function addMapServer(name: string): Promise<void> {
  const dir = makeTempDir(`file-pub-${name}-`);
  const mapfile = path.join(dir, 'geosync.map');
  wms.set(name, { dir, config: await writeServiceConfig(dir, mapfile) });
  const connector = open('mapserver', { mapfile, url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC' });
  assert.ok(isPublisher(connector));
  mapServers.set(name, connector);
}

/** A map server that serves vector layers only (what the built-in publisher says), with one PostGIS layer. */
const vectorOnly = {
  publisherCapabilities: { security: true, cache: true, appSchema: false, raster: false },
  getLayer: () =>
    Promise.resolve({
      name: 'dem',
      advertised: true,
      metadata: {},
      source: { kind: 'postgis', host: 'db', port: 5432, database: 'gis', user: 'u', schema: 'public', table: 'dem' },
    }),
} as unknown as Publisher;

const connections: TaskConnections = {
  localMapServer: 'local',
  fileService: (name) => {
    const found = services.get(name);
    return found ? Promise.resolve(found) : Promise.reject(new UserError('connection_not_found', `no '${name}'`));
  },
  mapServer: (name) => {
    const found = name === 'vector-only' ? vectorOnly : mapServers.get(name);
    return found ? Promise.resolve(found) : Promise.reject(new UserError('connection_not_found', `no '${name}'`));
  },
  database: () => Promise.reject(new Error('no database in this test')),
  postgres: () => Promise.reject(new Error('no database in this test')),
};

before(async () => {
  [sftp, geoserver] = await Promise.all([
    startSftpServer({ privateKey: rsaPrivateKey() }, { posixRename: true }),
    startFakeGeoServer(),
  ]);
  filesRoot = makeTempDir('file-pub-files-');
  const files = open('local-files', { root: filesRoot, createRoot: false });
  const remoteSftp = open('sftp', {
    host: sftp.host,
    port: sftp.port,
    user: SFTP_USER,
    password: SFTP_PASSWORD,
    root: '/',
    hostKeySha256: sftp.hostKeySha256,
  });
  assert.ok(isFileService(files) && isFileService(remoteSftp));
  services.set('files', files);
  services.set('sftp', remoteSftp);
  await addMapServer('local');
  await addMapServer('remote');
  // A GeoServer nobody listens for (a port just freed): the unreachable remote.
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  const down = open('geoserver', { url: `http://127.0.0.1:${port}/geoserver`, username: 'admin', password: 'x' });
  assert.ok(isPublisher(down));
  mapServers.set('down', down);
  const gs = open('geoserver', { url: geoserver.url, ...FAKE_GEOSERVER_ADMIN });
  assert.ok(isPublisher(gs));
  mapServers.set('gs', gs);
});
after(async () => {
  for (const connector of opened) await connector.close().catch(() => undefined);
  await Promise.all([sftp?.stop(), geoserver?.close()]);
});

type Step = [TaskType<never>, Record<string, string>];
const signal = () => AbortSignal.timeout(60_000);

/**
 * Runs the tasks in order as one run (each sees what earlier ones staged), then commits or rolls
 * back everything in reverse task order. A failing task rolls back the run and is rethrown.
 */
async function runBatch(steps: Step[], finish: 'commit' | 'rollback'): Promise<StagedObject[]> {
  const ledger: Array<{ type: TaskType<never>; object: StagedObject }> = [];
  const end = async (how: 'commit' | 'rollback') => {
    for (const { type, object } of [...ledger].reverse()) {
      const ctx = taskContext(connections);
      if (how === 'commit') await type.commitStaged(object, ctx);
      else await type.rollbackStaged(object, ctx);
    }
  };
  for (const [type, attributes] of steps) {
    const ctx = taskContext(connections, { earlier: ledger.map((l) => l.object) });
    try {
      await type.run(type.parameters.parse(attributes) as never, ctx);
    } catch (error) {
      for (const object of ctx.staged) ledger.push({ type, object });
      await end('rollback');
      throw error;
    }
    for (const object of ctx.staged) ledger.push({ type, object });
  }
  await end(finish);
  return ledger.map((l) => l.object);
}

const publishLocal = (attributes: Record<string, string>): Step => [
  localFilePublicationTask,
  { fileService: 'files', layer: 'dem', ...attributes },
];
const publishRemote = (attributes: Record<string, string>): Step => [
  remoteFilePublicationTask,
  { 'external-geoserver': 'remote', layer: 'dem', ...attributes },
];
const copy = (attributes: Record<string, string>): Step => [copyFileTask, attributes];

const server = (name: string) => mapServers.get(name)!;
const layerOf = (name: string, layer = 'dem', workspace?: string) =>
  server(name).getLayer(workspace ? { workspace, name: layer } : { name: layer }, signal());

async function capabilityNames(name: string): Promise<string[]> {
  const answer = await mapserv(wms.get(name)!.config, 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
  const text = answer.body.toString('utf8');
  return [...text.matchAll(/<Layer[^>]*>\s*<Name>([^<]*)<\/Name>/g)].map((m) => m[1]!).slice(1);
}

/** GetMap of the layer over the fixtures' extent: a PNG with something drawn, returned for comparisons. */
async function drawn(name: string, layer: string): Promise<Buffer> {
  const answer = await mapserv(
    wms.get(name)!.config,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${layer}&STYLES=&CRS=EPSG:4326&BBOX=50,4,52,6&WIDTH=128&HEIGHT=128&FORMAT=image/png`,
  );
  assert.equal(answer.contentType, 'image/png', answer.body.toString('utf8', 0, 400));
  assert.ok(answer.body.subarray(0, 8).equals(PNG_SIGNATURE));
  assert.ok(pixelsUnlikeCorner(answer.body) > 100, `layer ${layer} of ${name} is blank`);
  return answer.body;
}

async function putFile(service: 'files' | 'sftp', file: string, from: string): Promise<void> {
  const root = service === 'files' ? filesRoot : sftp.root;
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await copyFile(from, path.join(root, file));
}

async function removeEverywhere(layer: string, workspace?: string): Promise<void> {
  for (const name of ['local', 'remote']) {
    await server(name).removeLayer(workspace ? { workspace, name: layer } : { name: layer }, signal());
  }
}

const failsWith = (code: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(isGeosyncError(error), String(error));
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

describe('LocalFilePublication', () => {
  test('a GeoTIFF of a local folder is served where it lies; commit advertises it, GetMap draws it', async () => {
    await putFile('files', 'scans/scan.tif', CHECKER);
    await runBatch([publishLocal({ file: 'scans/scan.tif', workspace: 'topo', layer: 'scan' })], 'commit');
    const layer = await layerOf('local', 'scan', 'topo');
    assert.deepEqual(layer?.source, { kind: 'geotiff', path: path.join(filesRoot, 'scans/scan.tif') });
    assert.equal(layer?.advertised, true);
    assert.deepEqual(await capabilityNames('local'), ['topo_scan']);
    await drawn('local', 'topo_scan');
    await removeEverywhere('scan', 'topo');
  });

  test('a GeoTIFF of an SFTP server is uploaded; rollback removes the temp layer and its copy', async () => {
    await putFile('sftp', 'in/dem.tif', CHECKER);
    const dataDir = path.join(wms.get('local')!.dir, 'geosync-data');
    await runBatch([[localFilePublicationTask, { fileService: 'sftp', file: 'in/dem.tif', layer: 'dem' }]], 'rollback');
    assert.deepEqual(await server('local').listLayers(undefined, signal()), []);
    assert.deepEqual(await readdir(dataDir).catch(() => []), []);
    await runBatch([[localFilePublicationTask, { fileService: 'sftp', file: 'in/dem.tif', layer: 'dem' }]], 'commit');
    const layer = await layerOf('local');
    assert.equal(layer?.source.kind === 'geotiff' && path.dirname(layer.source.path), dataDir);
    assert.deepEqual(await capabilityNames('local'), ['dem']);
    await drawn('local', 'dem');
    await removeEverywhere('dem');
    assert.deepEqual(await readdir(dataDir), []);
  });

  test('republishing keeps the metadata; a rollback leaves the old layer as it was', async () => {
    await putFile('files', 'keep.tif', CHECKER);
    await runBatch([publishLocal({ file: 'keep.tif', layer: 'keep' })], 'commit');
    await server('local').updateMetadata({ name: 'keep' }, { title: 'Kept title', keywords: ['dem'] }, signal());
    const before = await layerOf('local', 'keep');
    await putFile('files', 'other.tif', STRIPES);
    await runBatch([publishLocal({ file: 'other.tif', layer: 'keep' })], 'rollback');
    assert.deepEqual(await layerOf('local', 'keep'), before);
    assert.deepEqual(await server('local').listLayers(undefined, signal()), [{ name: 'keep' }]);
    await runBatch([publishLocal({ file: 'other.tif', layer: 'keep' })], 'commit');
    const after = await layerOf('local', 'keep');
    assert.deepEqual(after?.metadata, before?.metadata);
    assert.deepEqual(after?.source, { kind: 'geotiff', path: path.join(filesRoot, 'other.tif') });
    await removeEverywhere('keep');
  });

  test('### with a CopyFile in the same run: commit serves the new version, rollback keeps the old one', async () => {
    await putFile('files', 'dem/dem.1.tif', CHECKER);
    await putFile('sftp', 'incoming/new.tif', STRIPES);
    await runBatch([publishLocal({ file: 'dem/dem.###.tif' })], 'commit');
    const version1 = await drawn('local', 'dem');
    const batch = [
      copy({
        sourceService: 'sftp',
        sourcePath: 'incoming/new.tif',
        targetService: 'files',
        targetPath: 'dem/dem.###.tif',
      }),
      publishLocal({ file: 'dem/dem.###.tif' }),
    ];
    await runBatch(batch, 'rollback');
    assert.deepEqual((await layerOf('local'))?.source, {
      kind: 'geotiff',
      path: path.join(filesRoot, 'dem/dem.1.tif'),
    });
    assert.deepEqual(await readdir(path.join(filesRoot, 'dem')), ['dem.1.tif']);
    assert.ok((await drawn('local', 'dem')).equals(version1), 'the old version is still served');
    await runBatch(batch, 'commit');
    assert.deepEqual((await layerOf('local'))?.source, {
      kind: 'geotiff',
      path: path.join(filesRoot, 'dem/dem.2.tif'),
    });
    assert.deepEqual(await readdir(path.join(filesRoot, 'dem')), ['dem.2.tif'], 'CopyFile removed version 1');
    assert.ok(!(await drawn('local', 'dem')).equals(version1), 'the new version is served');
    assert.deepEqual(await server('local').listLayers(undefined, signal()), [{ name: 'dem' }]);
    await removeEverywhere('dem');
  });

  test('auto-versioned, and a plain path a CopyFile of the run replaces: the layer ends on the final name', async () => {
    await putFile('files', 'auto/ortho.4.tif', CHECKER);
    await runBatch([publishLocal({ file: 'auto/ortho.tif', 'auto-versioned': 'true', layer: 'ortho' })], 'commit');
    assert.deepEqual((await layerOf('local', 'ortho'))?.source, {
      kind: 'geotiff',
      path: path.join(filesRoot, 'auto/ortho.4.tif'),
    });
    await putFile('sftp', 'incoming/fresh.tif', STRIPES);
    const replace = [
      copy({
        sourceService: 'sftp',
        sourcePath: 'incoming/fresh.tif',
        targetService: 'files',
        targetPath: 'fresh/plain.tif',
      }),
      publishLocal({ file: 'fresh/plain.tif', layer: 'plain' }),
    ];
    await runBatch(replace, 'rollback');
    assert.equal(await layerOf('local', 'plain'), undefined);
    assert.deepEqual(await readdir(path.join(filesRoot, 'fresh')).catch(() => []), []);
    await runBatch(replace, 'commit');
    assert.deepEqual((await layerOf('local', 'plain'))?.source, {
      kind: 'geotiff',
      path: path.join(filesRoot, 'fresh/plain.tif'),
    });
    assert.deepEqual(await readdir(path.join(filesRoot, 'fresh')), ['plain.tif'], 'no staged copy left');
    await drawn('local', 'plain');
    await removeEverywhere('ortho');
    await removeEverywhere('plain');
  });

  test('bad input is refused with a clear error and nothing published', async () => {
    await writeFile(path.join(filesRoot, 'notes.txt'), 'hello');
    await writeFile(path.join(filesRoot, 'fake.tif'), PNG_SIGNATURE);
    await mkdir(path.join(filesRoot, 'folder.tif'), { recursive: true });
    await assert.rejects(
      runBatch([publishLocal({ file: 'missing.tif' })], 'commit'),
      failsWith('file_not_found', /'files'/),
    );
    await assert.rejects(
      runBatch([publishLocal({ file: 'none.###.tif' })], 'commit'),
      failsWith('file_not_found', /no version/),
    );
    await assert.rejects(
      runBatch([publishLocal({ file: 'notes.txt' })], 'commit'),
      failsWith('not_a_geotiff', /\.tif/),
    );
    await assert.rejects(runBatch([publishLocal({ file: 'fake.tif' })], 'commit'), failsWith('not_a_geotiff', /TIFF/));
    await assert.rejects(runBatch([publishLocal({ file: 'folder.tif' })], 'commit'), failsWith('is_a_directory'));
    await assert.rejects(
      runBatch([publishLocal({ file: '../outside.tif' })], 'commit'),
      failsWith('path_outside_root'),
    );
    await putFile('files', 'ok.tif', CHECKER);
    await assert.rejects(
      runBatch([publishLocal({ file: 'ok.tif', 'map-server': 'vector-only' })], 'commit'),
      failsWith('raster_not_supported', /'vector-only'/),
    );
    assert.deepEqual(await server('local').listLayers(undefined, signal()), []);
  });
});

describe('RemoteFilePublication', () => {
  const localLayer = async (file = 'remote/src.tif') => {
    await putFile('files', file, CHECKER);
    await runBatch([publishLocal({ file, workspace: 'topo' })], 'commit');
    await server('local').updateMetadata(
      { workspace: 'topo', name: 'dem' },
      { title: 'Elevation', abstract: 'Heights.', keywords: ['dem'] },
      signal(),
    );
  };

  test('without a file service, the local file is uploaded; metadata comes from the local layer', async () => {
    await localLayer();
    await runBatch([publishRemote({ workspace: 'topo' })], 'rollback');
    assert.deepEqual(await server('remote').listLayers(undefined, signal()), []);
    await runBatch([publishRemote({ workspace: 'topo' })], 'commit');
    const remote = await layerOf('remote', 'dem', 'topo');
    assert.equal(
      remote?.source.kind === 'geotiff' && path.dirname(remote.source.path),
      path.join(wms.get('remote')!.dir, 'geosync-data'),
    );
    assert.deepEqual(remote?.metadata, (await layerOf('local', 'dem', 'topo'))?.metadata);
    assert.deepEqual(await capabilityNames('remote'), ['topo_dem']);
    await drawn('remote', 'topo_dem');
    await removeEverywhere('dem', 'topo');
  });

  test('with a file service and a versioned file, the remote reads the latest version by path', async () => {
    await localLayer();
    await putFile('files', 'shared/dem.7.tif', STRIPES);
    await runBatch([publishRemote({ workspace: 'topo', fileService: 'files', file: 'shared/dem.###.tif' })], 'commit');
    assert.deepEqual((await layerOf('remote', 'dem', 'topo'))?.source, {
      kind: 'geotiff',
      path: path.join(filesRoot, 'shared/dem.7.tif'),
    });
    await drawn('remote', 'topo_dem');
    await removeEverywhere('dem', 'topo');
  });

  test('local and remote publication in one run, from an SFTP file uploaded to both', async () => {
    await putFile('sftp', 'both/dem.tif', CHECKER);
    const batch: Step[] = [
      [localFilePublicationTask, { fileService: 'sftp', file: 'both/dem.tif', layer: 'dem' }],
      publishRemote({}),
    ];
    await runBatch(batch, 'rollback');
    assert.deepEqual(await server('local').listLayers(undefined, signal()), []);
    assert.deepEqual(await server('remote').listLayers(undefined, signal()), []);
    await runBatch(batch, 'commit');
    await drawn('local', 'dem');
    await drawn('remote', 'dem');
    await removeEverywhere('dem');
  });

  test('a remote that already has the layer keeps it untouched on rollback; commit replaces it', async () => {
    await localLayer();
    await putFile('files', 'old/remote.tif', STRIPES);
    await runBatch([publishLocal({ file: 'old/remote.tif', workspace: 'topo', 'map-server': 'remote' })], 'commit');
    const include = path.join(wms.get('remote')!.dir, 'geosync-layers', 'topo_dem.map');
    const before = await readFile(include, 'utf8');
    const oldPicture = await drawn('remote', 'topo_dem');
    await runBatch([publishRemote({ workspace: 'topo' })], 'rollback');
    assert.equal(await readFile(include, 'utf8'), before);
    assert.deepEqual(await server('remote').listLayers(undefined, signal()), [{ workspace: 'topo', name: 'dem' }]);
    await runBatch([publishRemote({ workspace: 'topo' })], 'commit');
    assert.notEqual(await readFile(include, 'utf8'), before);
    assert.ok(!(await drawn('remote', 'topo_dem')).equals(oldPicture), 'the local layer’s file is served now');
    await removeEverywhere('dem', 'topo');
  });

  test('bad input: unreachable remote, missing or vector local layer, half a file parameter, no raster support', async () => {
    await localLayer();
    await assert.rejects(
      runBatch([publishRemote({ workspace: 'topo', 'external-geoserver': 'down' })], 'commit'),
      failsWith('map_server_unreachable', /Cannot reach GeoServer/),
    );
    await assert.rejects(runBatch([publishRemote({ layer: 'nope' })], 'commit'), failsWith('layer_not_found', /nope/));
    await assert.rejects(
      runBatch([publishRemote({ workspace: 'topo', fileService: 'files' })], 'commit'),
      failsWith('invalid_parameters', /together/),
    );
    await assert.rejects(
      runBatch([publishRemote({ workspace: 'topo', 'external-geoserver': 'vector-only' })], 'commit'),
      failsWith('raster_not_supported'),
    );
    await assert.rejects(
      runBatch([publishRemote({ workspace: 'topo', 'external-geoserver': 'local' })], 'commit'),
      failsWith('invalid_parameters', /local map server/),
    );
    await assert.rejects(
      runBatch([publishRemote({ workspace: 'topo', fileService: 'files', file: '../x.tif' })], 'commit'),
      failsWith('path_outside_root'),
    );
    const vectorLocal = taskContext({ ...connections, localMapServer: 'vector-only' });
    await assert.rejects(
      remoteFilePublicationTask.run(
        remoteFilePublicationTask.parameters.parse({ 'external-geoserver': 'remote', layer: 'dem' }) as never,
        vectorLocal,
      ),
      failsWith('not_a_raster_layer', /RemoteDbPublication/),
    );
    assert.deepEqual(vectorLocal.staged, []);
    assert.deepEqual(await server('remote').listLayers(undefined, signal()), []);
    await removeEverywhere('dem', 'topo');
  });
});

describe('RemoteFilePublication to the GeoServer test double', () => {
  /**
   * What the double holds, comparable before and after (uploaded files by size), workspaces
   * included: a rollback removes the workspace its first publication created.
   */
  const snapshot = () =>
    JSON.stringify({
      workspaces: [...geoserver.state.workspaces.keys()],
      acl: [...geoserver.state.acl],
      stores: geoserver.state.stores.map((o) => ({
        ...o,
        files: [...(o.files ?? new Map<string, Buffer>()).entries()].map(([k, v]) => [k, v.length]),
      })),
      resources: geoserver.state.resources,
      styles: geoserver.state.styles,
    });

  test('the local layer’s GeoTIFF is uploaded; rollback leaves the double as it was; commit advertises it', async () => {
    await putFile('files', 'gs/dem.tif', CHECKER);
    await runBatch([publishLocal({ file: 'gs/dem.tif', workspace: 'topo' })], 'commit');
    await server('local').updateMetadata({ workspace: 'topo', name: 'dem' }, { title: 'Elevation' }, signal());
    const empty = snapshot();
    assert.ok(!geoserver.state.workspaces.has('topo'), 'the first publication creates the workspace');
    await runBatch([publishRemote({ workspace: 'topo', 'external-geoserver': 'gs' })], 'rollback');
    assert.equal(snapshot(), empty, 'the workspace the run created is gone');
    await runBatch([publishRemote({ workspace: 'topo', 'external-geoserver': 'gs' })], 'commit');
    const layer = geoserver.state.layer('topo', 'dem');
    assert.deepEqual([layer?.title, layer?.advertised], ['Elevation', true]);
    const store = geoserver.state.stores.find((o) => o.workspace === 'topo' && o.name === layer?.store);
    const uploaded = [...(store?.files?.values() ?? [])];
    assert.equal(uploaded.length, 1);
    assert.ok(uploaded[0]!.equals(await readFile(CHECKER)), 'the bytes of the local file');
    assert.equal(geoserver.state.resources.filter((r) => r.name.startsWith('_temp_')).length, 0);

    // It now has the layer: a rolled-back republication leaves it untouched.
    const before = snapshot();
    await runBatch([publishRemote({ workspace: 'topo', 'external-geoserver': 'gs' })], 'rollback');
    assert.equal(snapshot(), before);
    await server('gs').removeLayer({ workspace: 'topo', name: 'dem' }, signal());
    await removeEverywhere('dem', 'topo');
  });
});
