// Unit tests only (no MapServer, no database): the connector contract and the publisher run
// against real MapServer and PostGIS in mapserver.integration.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isPublisher, type LayerDefinition } from '../publisher.ts';
import { connectionString, readIncludeDefinition, renderInclude } from './layer-include.ts';
import { mapcacheFormat, mapcacheGrids } from './mapcache.ts';
import { conninfoValue, includeFileName, layerName, mapString } from './mapfile-syntax.ts';
import { mapserverConnectorType as type } from './mapserver.connector.ts';

const good = { mapfile: '/srv/mapserver/geosync.map', url: 'https://maps.example.org/cgi-bin/mapserv' };

test('mapserver is a usable publisher without secrets', () => {
  assert.equal(type.testable, true);
  assert.deepEqual(type.secretFields, []);
  assert.ok(isPublisher(type.create(type.config.parse(good), { dataDir: '/nonexistent' })));
});

test('bad mapserver settings are refused, naming the field', () => {
  const bad = [
    { config: { ...good, mapfile: 'relative/geosync.map' }, field: 'mapfile' },
    { config: { ...good, mapfile: '/srv/geosync.txt' }, field: 'mapfile' },
    { config: { ...good, url: 'not a url' }, field: 'url' },
    { config: { ...good, mapcacheConfig: '/srv/cache.txt' }, field: 'mapcacheConfig' },
    { config: { ...good, configFile: 'mapserver.conf' }, field: 'configFile' },
  ];
  for (const { config, field } of bad) {
    const result = type.config.safeParse(config);
    assert.ok(!result.success);
    assert.deepEqual(
      result.error.issues.map((i) => i.path.join('.')),
      [field],
    );
  }
  assert.ok(
    type.config.safeParse({ ...good, mapcacheConfig: '/srv/mapcache.xml', configFile: '/etc/ms.conf' }).success,
  );
});

test('mapfile strings escape quotes and backslashes and drop control characters', () => {
  assert.equal(mapString('plain'), '"plain"');
  assert.equal(mapString('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
  assert.equal(mapString('x\r\ny\u0000z\u001b'), '"x\nyz"');
  assert.equal(mapString('" END LAYER'), '"\\" END LAYER"');
});

test('libpq values are quoted so a password cannot add settings', () => {
  assert.equal(conninfoValue("it's"), "'it\\'s'");
  assert.equal(conninfoValue('a\\b'), "'a\\\\b'");
  assert.equal(
    connectionString({
      kind: 'postgis',
      host: 'db',
      port: 5432,
      database: 'gis',
      user: 'u',
      password: "x' host='evil",
      schema: 's',
      table: 't',
    }),
    "host='db' port='5432' dbname='gis' user='u' password='x\\' host=\\'evil'",
  );
});

test('layer names: workspace prefix, checked characters, injective file names', () => {
  assert.equal(layerName({ name: 'roads' }), 'roads');
  assert.equal(layerName({ workspace: 'topo', name: '_temp_roads' }), 'topo__temp_roads');
  assert.equal(layerName({ name: 'Straßen' }), 'Straßen');
  for (const name of ['', '.x', '-x', 'a/b', 'a b', 'a,b', 'x\n', 'a'.repeat(129)]) {
    assert.throws(() => layerName({ name }), { code: 'invalid_layer_name' });
  }
  assert.throws(() => layerName({ workspace: '..', name: 'x' }), { code: 'invalid_layer_name' });
  assert.equal(includeFileName('topo_roads'), 'topo_roads.map');
  assert.equal(includeFileName('a.b'), 'a~2eb.map');
  assert.equal(includeFileName('Straße'), 'Stra~c3~9fe.map');
  assert.notEqual(includeFileName('a.b'), includeFileName('a~2eb'));
});

const layer: LayerDefinition = {
  workspace: 'topo',
  name: 'roads',
  advertised: false,
  source: {
    kind: 'postgis',
    host: 'db',
    port: 5432,
    database: 'gis',
    user: 'u',
    password: 'p"w',
    schema: 'public',
    table: 'roads',
  },
  metadata: { title: 'T', keywords: ['a,b', 'c'], metadataLinks: [{ href: 'h', type: 'TC211', format: 'text/xml' }] },
};

test('a PostGIS include: connection, DATA, type, metadata, unadvertised', () => {
  const text = renderInclude('topo_roads', layer, {
    geometryColumn: 'geom',
    layerType: 'LINE',
    srid: 2154,
    uniqueKey: 'id',
  });
  assert.match(text, /^ {2}NAME "topo_roads"$/m);
  assert.match(text, /^ {2}TYPE LINE$/m);
  assert.match(text, /^ {2}CONNECTIONTYPE POSTGIS$/m);
  assert.match(text, /^ {2}CONNECTION "host='db' port='5432' dbname='gis' user='u' password='p\\"w'"$/m);
  assert.match(text, /^ {2}DATA "geom from \\"public\\".\\"roads\\" using unique id using srid=2154"$/m);
  assert.match(text, /"wms_keywordlist" "a b,c"/);
  assert.match(text, /"wms_metadataurl_m0_type" "TC211"/);
  assert.match(text, /"wms_enable_request" "\* !GetCapabilities"/);
  assert.deepEqual(readIncludeDefinition(text), layer);
  assert.throws(
    () =>
      renderInclude('x', { ...layer, source: { ...layer.source, table: 'a b' } } as LayerDefinition, {
        geometryColumn: 'geom',
        layerType: 'LINE',
        srid: 4326,
        uniqueKey: 'id',
      }),
    { code: 'mapserver_unsupported_name' },
  );
});

test('a GeoTIFF include; embedded tables and relative paths are refused', () => {
  const raster = renderInclude('scan', {
    ...layer,
    source: { kind: 'geotiff', path: '/data/scan.tif' },
    advertised: true,
  });
  assert.match(raster, /^ {2}TYPE RASTER$/m);
  assert.match(raster, /^ {2}DATA "\/data\/scan.tif"$/m);
  assert.match(raster, /"wms_enable_request" "\*"/);
  assert.throws(() => renderInclude('scan', { ...layer, source: { kind: 'geotiff', path: 'scan.tif' } }), {
    code: 'layer_source_invalid',
  });
  assert.throws(() => renderInclude('e', { ...layer, source: { kind: 'embedded', schema: 's', table: 't' } }), {
    code: 'layer_source_unsupported',
  });
});

test('MapCache grids and formats', () => {
  assert.deepEqual(mapcacheGrids(['EPSG:4326', 'EPSG:900913', 'EPSG:3857']), ['WGS84', 'GoogleMapsCompatible']);
  assert.deepEqual(mapcacheGrids([]), ['GoogleMapsCompatible']);
  assert.throws(() => mapcacheGrids(['EPSG:2154']), { code: 'cache_grid_unsupported' });
  assert.equal(mapcacheFormat(['image/png']), 'PNG');
  assert.equal(mapcacheFormat(['image/jpeg']), 'JPEG');
  assert.equal(mapcacheFormat(['image/png', 'image/jpeg']), 'mixed');
  assert.throws(() => mapcacheFormat(['image/webp']), { code: 'cache_format_unsupported' });
});
