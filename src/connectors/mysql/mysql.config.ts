import { z } from 'zod';

import { rawGeometryTableSchema } from '../database.ts';

/** Settings of a MySQL or MariaDB database (a source of data; geosync does not publish from it). */
export const mysqlConfigSchema = z.strictObject({
  host: z.string().min(1).max(255).describe('Server name or IP address.'),
  port: z.number().int().min(1).max(65535).default(3306).describe('MySQL port.'),
  database: z.string().min(1).max(64).describe('Database (schema) name.'),
  // MariaDB allows 80 characters; MySQL 32. The server has the last word.
  user: z.string().min(1).max(80).describe('User to log in as.'),
  password: z.string().max(1000).optional().describe('Password of the user.'),
  ssl: z.boolean().default(false).describe('Encrypt the connection with TLS (and check the certificate).'),
  connectTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(300)
    .default(10)
    .describe('Give up connecting after this many seconds.'),
  rawGeometryTable: rawGeometryTableSchema.optional(),
});

export type MysqlConfig = z.infer<typeof mysqlConfigSchema>;
