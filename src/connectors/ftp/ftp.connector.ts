import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type FtpConfig, ftpConfigSchema } from './ftp.config.ts';

/** An FTP/FTPS server as a file service. Model only: settings can be stored, not used yet. */
export const ftpConnectorType: ConnectorType<FtpConfig> = {
  type: 'ftp',
  kind: 'file_service',
  title: 'FTP server',
  description: 'A folder on an FTP or FTPS server.',
  config: ftpConfigSchema,
  secretFields: ['password'],
  testable: false,
  userCreatable: true,
  create: () => modelOnlyConnector('the FTP file service'),
};
