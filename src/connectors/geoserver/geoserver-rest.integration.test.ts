// The GeoServer REST contract (test/contracts/geoserver-rest.contract.ts), run against the test
// double, and against a real GeoServer when GEOSYNC_TEST_GEOSERVER_URL is set:
//   GEOSYNC_TEST_GEOSERVER_URL=http://host:8080/geoserver
//   GEOSYNC_TEST_GEOSERVER_USER / GEOSYNC_TEST_GEOSERVER_PASSWORD (default admin / geoserver)
//   GEOSYNC_TEST_GEOSERVER_PG='{"host":..,"port":5432,"database":..,"user":..,"password":..,"schema":"public","table":"roads"}'
//     (a PostGIS table that GeoServer reaches; feature-type checks are skipped without it)
//   GEOSYNC_TEST_GEOSERVER_GEOTIFF=/abs/path/on/the/geoserver/host.tif (coverage checks)
//   GEOSYNC_TEST_GEOSERVER_UPLOAD=/a/local/file.tif (upload checks)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  appSchemaMapping,
  FAKE_APP_SCHEMA_NS,
  FAKE_GEOSERVER_ADMIN,
  startFakeGeoServer,
} from '../../../test/helpers/fake-geoserver.ts';
import { geoserverRestContract, type GeoserverRestSetup } from '../../../test/contracts/geoserver-rest.contract.ts';

geoserverRestContract('test double (FakeGeoServer)', async () => {
  const fake = await startFakeGeoServer();
  // Any bytes do for the double, which keeps an upload without reading it.
  const dir = await mkdtemp(path.join(process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir(), 'gs-upload-'));
  const upload = path.join(dir, 'dem.tif');
  await writeFile(upload, Buffer.concat([Buffer.from('II*\0', 'latin1'), Buffer.alloc(512, 1)]));
  return {
    url: fake.url,
    ...FAKE_GEOSERVER_ADMIN,
    // The double touches no database or file: any values do.
    postgis: {
      host: '127.0.0.1',
      port: 5432,
      database: 'gis',
      user: 'gs',
      password: 'db-pw-3c9e',
      schema: 'public',
      table: 'roads',
    },
    geotiff: '/data/dem.tif',
    geotiffUpload: upload,
    appSchema: {
      files: [{ path: 'roads.appschema', content: appSchemaMapping('Road', 'roads') }],
      type: 'Road',
      namespace: FAKE_APP_SCHEMA_NS.uri,
    },
    cleanup: async () => {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const real = process.env.GEOSYNC_TEST_GEOSERVER_URL;
geoserverRestContract(
  real ? `real GeoServer at ${real}` : 'real GeoServer (GEOSYNC_TEST_GEOSERVER_URL unset: skipped)',
  () => {
    if (!real) return Promise.resolve(undefined);
    const setup: GeoserverRestSetup = {
      url: real,
      username: process.env.GEOSYNC_TEST_GEOSERVER_USER ?? 'admin',
      password: process.env.GEOSYNC_TEST_GEOSERVER_PASSWORD ?? 'geoserver',
    };
    const pg = process.env.GEOSYNC_TEST_GEOSERVER_PG;
    if (pg) setup.postgis = JSON.parse(pg) as GeoserverRestSetup['postgis'];
    if (process.env.GEOSYNC_TEST_GEOSERVER_GEOTIFF) setup.geotiff = process.env.GEOSYNC_TEST_GEOSERVER_GEOTIFF;
    if (process.env.GEOSYNC_TEST_GEOSERVER_UPLOAD) setup.geotiffUpload = process.env.GEOSYNC_TEST_GEOSERVER_UPLOAD;
    return Promise.resolve(setup);
  },
);
