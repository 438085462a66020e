import { z } from 'zod';

/**
 * Settings of an SFTP (SSH) server used as a file service. Log in with a password, a private
 * key, or both (servers may ask for both). `hostKeySha256` pins the server's key, as
 * `ssh-keygen -lf` prints it (`SHA256:...`); without it any host key is accepted.
 */
export const sftpConfigSchema = z
  .strictObject({
    host: z.string().min(1).max(255).describe('Server name or IP address.'),
    port: z.number().int().min(1).max(65535).default(22).describe('SSH port.'),
    user: z.string().min(1).max(255).describe('User to log in as.'),
    password: z.string().max(1000).optional().describe('Password of the user.'),
    privateKey: z
      .string()
      .regex(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'must be a private key in PEM or OpenSSH format')
      .optional()
      .describe('Private key (PEM or OpenSSH format).'),
    passphrase: z.string().max(1000).optional().describe('Passphrase of an encrypted private key.'),
    root: z
      .string()
      .min(1)
      .max(1024)
      .default('.')
      .describe(
        'Folder on the server that the file service shows; relative to the login folder unless it starts with /.',
      ),
    hostKeySha256: z
      .string()
      .regex(/^(SHA256:)?[A-Za-z0-9+/]{43}=?$/, 'must be a SHA256 fingerprint as ssh-keygen -lf prints it')
      .optional()
      .describe('Fingerprint of the server key (SHA256:...); recommended, it stops a man in the middle.'),
  })
  .superRefine((config, ctx) => {
    if (config.password === undefined && config.privateKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'give a password or a private key' });
    }
    if (config.passphrase !== undefined && config.privateKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['passphrase'], message: 'only used with a private key' });
    }
  });

export type SftpConfig = z.infer<typeof sftpConfigSchema>;
