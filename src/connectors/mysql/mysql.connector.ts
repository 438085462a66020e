import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type MysqlConfig, mysqlConfigSchema } from './mysql.config.ts';

/** MySQL / MariaDB as a source database. Model only: settings can be stored, not used yet. */
export const mysqlConnectorType: ConnectorType<MysqlConfig> = {
  type: 'mysql',
  kind: 'database',
  title: 'MySQL / MariaDB',
  description: 'A MySQL or MariaDB database, as a source of data.',
  config: mysqlConfigSchema,
  secretFields: ['password'],
  testable: false,
  userCreatable: true,
  create: () => modelOnlyConnector('MySQL/MariaDB support'),
};
