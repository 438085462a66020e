import type { ConnectorType } from './connector.ts';
import { builtinPublisherConnectorType } from './builtin-publisher/builtin-publisher.connector.ts';
import { embeddedPostgisConnectorType } from './embedded-postgis/embedded-postgis.connector.ts';
import { ftpConnectorType } from './ftp/ftp.connector.ts';
import { geopackageConnectorType } from './geopackage/geopackage.connector.ts';
import { geoserverConnectorType } from './geoserver/geoserver.connector.ts';
import { localFilesConnectorType } from './local-files/local-files.connector.ts';
import { builtinLocalFilesConfig } from './local-files/local-files.config.ts';
import { mapserverConnectorType } from './mapserver/mapserver.connector.ts';
import { mysqlConnectorType } from './mysql/mysql.connector.ts';
import { postgisConnectorType } from './postgis/postgis.connector.ts';
import { s3ConnectorType } from './s3/s3.connector.ts';
import { sftpConnectorType } from './sftp/sftp.connector.ts';

/**
 * Every connector type geosync ships, in the order the UI lists them (by kind, most used
 * first). Built-ins go through the same registry a plugin would: add a type here, nowhere else.
 */
export const builtinConnectorTypes: readonly ConnectorType[] = [
  postgisConnectorType,
  embeddedPostgisConnectorType,
  mysqlConnectorType,
  geopackageConnectorType,
  localFilesConnectorType,
  s3ConnectorType,
  ftpConnectorType,
  sftpConnectorType,
  geoserverConnectorType,
  mapserverConnectorType,
  builtinPublisherConnectorType,
];

/** A connection geosync creates itself at start-up (`builtin: true`; name unique per kind). */
export interface BuiltinConnection {
  name: string;
  type: string;
  description: string;
  config: Record<string, unknown>;
}

/**
 * The built-in connections: the `local` database (the embedded store), the `local` file
 * service (`<dataDir>/files`) and the `local` map server (the built-in publisher, serving
 * tables of the embedded store under /ogc).
 */
export const builtinConnections: readonly BuiltinConnection[] = [
  {
    name: 'local',
    type: embeddedPostgisConnectorType.type,
    description: "geosync's embedded database",
    config: {},
  },
  {
    name: 'local',
    type: localFilesConnectorType.type,
    description: "The files folder in geosync's data folder",
    config: { ...builtinLocalFilesConfig },
  },
  {
    name: 'local',
    type: builtinPublisherConnectorType.type,
    description: "geosync's built-in map server (OGC API Features and vector tiles under /ogc)",
    config: {},
  },
];
