// The capabilities the type declares from the settings alone (checked when a configuration is
// validated) must be those of the connector it opens with the same settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isPublisher } from '../publisher.ts';
import { geoserverConnectorType as type } from './geoserver.connector.ts';

test("geoserver: declared capabilities equal the connector's (everything), whatever the login", () => {
  const logins = [
    { url: 'https://maps.example.org/geoserver', username: 'admin', password: 'secret' },
    {
      url: 'https://maps.example.org/geoserver',
      username: 'admin',
      password: 'secret',
      authentication: 'keycloak',
      realm: 'geo',
      authUrl: 'https://sso.example.org',
      clientId: 'geosync',
      clientSecret: 'hush',
    },
  ];
  for (const settings of logins) {
    const config = type.config.parse(settings);
    const connector = type.create(config, { dataDir: '/nonexistent' });
    assert.ok(isPublisher(connector));
    assert.deepEqual(type.publisherCapabilities?.(config), connector.publisherCapabilities);
  }
  assert.deepEqual(type.publisherCapabilities?.(type.config.parse(logins[0])), {
    security: true,
    cache: true,
    appSchema: true,
    raster: true,
  });
});
