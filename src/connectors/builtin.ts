// PROVISIONAL (lead): helper-3 replaces this with the full list.
import type { ConnectorType } from './connector.ts';
import { localFilesConnectorType } from './local-files/local-files.connector.ts';
import { postgisConnectorType } from './postgis/postgis.connector.ts';

export const builtinConnectorTypes: readonly ConnectorType[] = [
  postgisConnectorType as unknown as ConnectorType,
  localFilesConnectorType as unknown as ConnectorType,
];
