import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type S3Config, s3ConfigSchema } from './s3.config.ts';

/** S3 buckets as a file service. Model only: settings can be stored, not used yet. */
export const s3ConnectorType: ConnectorType<S3Config> = {
  type: 's3',
  kind: 'file_service',
  title: 'S3 buckets',
  description: 'Buckets on Amazon S3 or an S3-compatible service (MinIO, Ceph...).',
  config: s3ConfigSchema,
  secretFields: ['secretAccessKey'],
  testable: false,
  userCreatable: true,
  create: () => modelOnlyConnector('the S3 file service'),
};
