import { z } from 'zod';

/** S3 bucket naming rules (the common subset every S3-compatible service accepts). */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be 3-63 lowercase letters, digits, dots or hyphens');

/**
 * Settings of S3 or an S3-compatible service (MinIO, Ceph, ...). As in the GeoServer task
 * manager, one connection may serve several buckets. Without keys and not anonymous, the
 * default AWS credential chain applies (environment, instance role).
 */
export const s3ConfigSchema = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('URL of an S3-compatible service; leave empty for Amazon S3.'),
    region: z.string().min(1).max(64).default('us-east-1').describe('Region of the buckets.'),
    buckets: z
      .array(bucketName)
      .min(1)
      .max(100)
      .refine((names) => new Set(names).size === names.length, 'must not repeat a bucket')
      .describe('Buckets this connection gives access to.'),
    accessKeyId: z.string().min(1).max(128).optional().describe('Access key id; empty: default credential chain.'),
    secretAccessKey: z.string().min(1).max(256).optional().describe('Secret access key that goes with the key id.'),
    forcePathStyle: z
      .boolean()
      .default(false)
      .describe('Address buckets as <endpoint>/<bucket> rather than <bucket>.<endpoint> (MinIO needs it).'),
    anonymous: z.boolean().default(false).describe('Public buckets: send no credentials at all.'),
  })
  .superRefine((config, ctx) => {
    const hasId = config.accessKeyId !== undefined;
    const hasSecret = config.secretAccessKey !== undefined;
    if (config.anonymous && (hasId || hasSecret)) {
      ctx.addIssue({ code: 'custom', path: ['anonymous'], message: 'anonymous access takes no keys' });
    }
    if (hasId && !hasSecret) {
      ctx.addIssue({ code: 'custom', path: ['secretAccessKey'], message: 'required with accessKeyId' });
    }
    if (hasSecret && !hasId) {
      ctx.addIssue({ code: 'custom', path: ['accessKeyId'], message: 'required with secretAccessKey' });
    }
  });

export type S3Config = z.infer<typeof s3ConfigSchema>;
