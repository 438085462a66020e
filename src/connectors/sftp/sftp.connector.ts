import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type SftpConfig, sftpConfigSchema } from './sftp.config.ts';

/** An SFTP server as a file service. Model only: settings can be stored, not used yet. */
export const sftpConnectorType: ConnectorType<SftpConfig> = {
  type: 'sftp',
  kind: 'file_service',
  title: 'SFTP server',
  description: 'A folder on an SSH server, reached with SFTP.',
  config: sftpConfigSchema,
  secretFields: ['password', 'privateKey', 'passphrase'],
  testable: false,
  userCreatable: true,
  create: () => modelOnlyConnector('the SFTP file service'),
};
