// The capabilities the type declares from the settings alone (checked when a configuration is
// validated) must be those of the connector it opens with the same settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isPublisher } from '../publisher.ts';
import { mapserverConnectorType as type } from './mapserver.connector.ts';

const plain = { mapfile: '/srv/mapserver/geosync.map', url: 'https://maps.example.org/cgi-bin/mapserv' };
const cached = { ...plain, mapcacheConfig: '/srv/mapcache/geosync.xml' };

for (const [label, settings, cache] of [
  ['without MapCache', plain, false],
  ['with MapCache', cached, true],
] as const) {
  test(`mapserver ${label}: declared capabilities equal the connector's (cache ${String(cache)}, no security)`, () => {
    const config = type.config.parse(settings);
    const connector = type.create(config, { dataDir: '/nonexistent' });
    assert.ok(isPublisher(connector));
    const declared = type.publisherCapabilities?.(config);
    assert.deepEqual(declared, connector.publisherCapabilities);
    assert.deepEqual(declared, { security: false, cache, appSchema: false, raster: true });
  });
}
