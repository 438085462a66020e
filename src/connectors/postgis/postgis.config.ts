import { z } from 'zod';

import { rawGeometryTableSchema } from '../database.ts';

/**
 * How the connection is encrypted, named as libpq's `sslmode` so administrators recognise it:
 * `prefer` tries TLS and falls back to plain, `require` insists on TLS without checking the
 * certificate, `verify-full` checks the certificate and the host name.
 */
export const sslModes = ['disable', 'prefer', 'require', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** Settings of a PostgreSQL database with PostGIS. */
export const postgisConfigSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .max(255)
      .describe('Server name or IP address (a path starting with / is a Unix socket folder).'),
    port: z.number().int().min(1).max(65535).default(5432).describe('PostgreSQL port.'),
    database: z.string().min(1).max(63).describe('Database name.'),
    user: z.string().min(1).max(63).describe('User (role) to log in as.'),
    password: z.string().max(1000).optional().describe('Password; leave empty for servers that trust this machine.'),
    schema: z.string().min(1).max(63).default('public').describe('Schema geosync reads from and writes to.'),
    sslMode: z.enum(sslModes).default('prefer').describe('Encryption: disable, prefer, require or verify-full.'),
    sslRootCert: z
      .string()
      .regex(/-----BEGIN CERTIFICATE-----/, 'must be a PEM certificate')
      .optional()
      .describe('PEM certificate(s) of the authority that signed the server certificate (verify-full only).'),
    connectTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(10)
      .describe('Give up connecting after this many seconds.'),
    applicationName: z
      .string()
      .max(63)
      .default('geosync')
      .describe('Shown in pg_stat_activity, so administrators see who is connected.'),
    rawGeometryTable: rawGeometryTableSchema.optional(),
    publishAs: z
      .record(
        z.string().min(1).max(128),
        z.strictObject({
          host: z.string().min(1).max(255).optional().describe('Host name as that map server resolves it.'),
          port: z.number().int().min(1).max(65535).optional().describe('Port as that map server reaches it.'),
          database: z.string().min(1).max(63).optional().describe('Database name on that side (a replica).'),
        }),
      )
      .optional()
      .describe(
        'Per map server (by connection name): how that server reaches this database when it sees it differently from geosync.',
      ),
  })
  .superRefine((config, ctx) => {
    // A certificate that is never checked would give a false sense of security.
    if (config.sslRootCert !== undefined && config.sslMode !== 'verify-full') {
      ctx.addIssue({ code: 'custom', path: ['sslRootCert'], message: 'only used with sslMode verify-full' });
    }
  });

export type PostgisConfig = z.infer<typeof postgisConfigSchema>;
