import { z } from 'zod';

/**
 * How FTP is encrypted: `none` (plain FTP), `explicit` (FTPS: AUTH TLS on the normal port) or
 * `implicit` (FTPS: TLS from the first byte, usually port 990).
 */
export const ftpSecureModes = ['none', 'explicit', 'implicit'] as const;

/** Settings of an FTP or FTPS server used as a file service. */
export const ftpConfigSchema = z.strictObject({
  host: z.string().min(1).max(255).describe('Server name or IP address.'),
  port: z.number().int().min(1).max(65535).default(21).describe('FTP port (implicit FTPS usually uses 990).'),
  user: z.string().min(1).max(255).default('anonymous').describe('User to log in as.'),
  password: z.string().max(1000).optional().describe('Password of the user.'),
  secure: z.enum(ftpSecureModes).default('explicit').describe('Encryption: none, explicit (FTPS) or implicit.'),
  verifyCertificate: z
    .boolean()
    .default(true)
    .describe('Check the server certificate (turn off only for a self-signed certificate you trust).'),
  root: z.string().min(1).max(1024).default('/').describe('Folder on the server that the file service shows.'),
});

export type FtpConfig = z.infer<typeof ftpConfigSchema>;
