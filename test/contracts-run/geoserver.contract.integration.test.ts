// The publisher contract against the GeoServer connector and the GeoServer test double
// (test/helpers/fake-geoserver.ts): GeoServer cannot be installed here. The double has no OGC
// services and touches no database or file, so the server's own view is the double's catalog
// (the resources' advertised and enabled flags), and it cannot refuse a missing table.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { geoserverConnectorType as type } from '../../src/connectors/geoserver/geoserver.connector.ts';
import { isPublisher, type LayerRef, type PostgisSource } from '../../src/connectors/publisher.ts';
import { publisherContract, writeTestGeotiff } from '../contracts/publisher.contract.ts';
import {
  appSchemaMapping,
  FAKE_GEOSERVER_ADMIN,
  type FakeGeoServerState,
  startFakeGeoServer,
} from '../helpers/fake-geoserver.ts';

const source = (table: string): PostgisSource => ({
  kind: 'postgis',
  host: 'db.internal',
  port: 5432,
  database: 'gis',
  user: 'gs',
  password: 'db-secret-pw-9931',
  schema: 'public',
  table,
});

/** The double's catalog: the server's own view. */
let state: FakeGeoServerState;

publisherContract('GeoServer test double', async () => {
  const fake = await startFakeGeoServer();
  state = fake.state;
  const dir = await mkdtemp(path.join(process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir(), 'geosync-pc-geoserver-'));
  const tif = await writeTestGeotiff(dir);
  const publisher = type.create(type.config.parse({ url: fake.url, ...FAKE_GEOSERVER_ADMIN }), {
    dataDir: '/nonexistent',
  });
  assert.ok(isPublisher(publisher));
  const nameOf = (ref: LayerRef) => `${ref.workspace ?? ''}:${ref.name}`;

  return {
    publisher,
    server: {
      async listed() {
        return state.resources.filter((r) => r.layer && r.advertised && r.enabled).map((r) => nameOf(r));
      },
      nameOf,
      // What GeoServer would serve: an enabled layer over an existing, enabled store.
      async serves(ref) {
        const layer = state.layer(ref.workspace ?? '', ref.name);
        const kind = layer?.kind === 'featureType' ? 'dataStore' : 'coverageStore';
        const store = state.stores.find(
          (s) => s.workspace === layer?.workspace && s.name === layer.store && s.kind === kind,
        );
        return Boolean(layer?.enabled && store?.enabled);
      },
      async state() {
        // A copy of the whole catalog (its Maps as entry lists), uploaded files included.
        return JSON.parse(
          JSON.stringify(state, (_key, value: unknown) =>
            value instanceof Map ? [...(value as Map<unknown, unknown>)] : value,
          ),
        ) as unknown;
      },
    },
    sources: [source('roads'), source('parcels')],
    refused: [
      { what: 'an unknown style', change: { style: 'no_such_style' } },
      { what: 'a style that is no SLD', change: { style: '<NotAStyle>' } },
      { what: 'a name GeoServer would misread', change: { name: 'roads.json' } },
    ],
    rasterSource: { kind: 'geotiff', path: '/data/rasters/scan.tif' },
    rasterUpload: {
      kind: 'geotiff',
      path: '/on/the/file/service/scan.tif',
      upload: { fileName: 'scan.tif', open: () => Promise.resolve(createReadStream(tif)) },
    },
    appSchemaSource: {
      kind: 'app-schema',
      mainFile: 'roads.xml',
      files: [{ path: 'roads.xml', content: appSchemaMapping('roads', 'roads').replaceAll(/\$\{(\w+)\}/g, 'x') }],
    },
    cacheOptions: { gridSets: ['EPSG:4326'], formats: ['image/png'] },
    cleanup: async () => {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
