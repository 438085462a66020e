import { z } from 'zod';

/**
 * Every setting geosync reads, in one schema. Each leaf is documented here; `docs/configuration.md`
 * is generated from this file (`npm run docs:config`) and a test fails when it is out of date.
 * Environment variable names are derived from the path: `server.port` -> `GEOSYNC_SERVER_PORT`.
 */

const bool = z.union([z.boolean(), z.stringbool()]);
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.strictObject({
  dataDir: z
    .string()
    .min(1)
    .default('./data')
    .describe('Folder for the embedded store, the generated secret key and the local file service.'),
  server: z
    .strictObject({
      host: z.string().min(1).default('localhost').describe('Interface to listen on; 0.0.0.0 for all.'),
      port: port.default(8080).describe('HTTP port.'),
      bodyLimitBytes: positiveInt.default(1_048_576).describe('Largest accepted request body in bytes.'),
      trustProxy: bool.default(false).describe('Trust X-Forwarded-* headers (behind a reverse proxy).'),
    })
    .prefault({}),
  store: z
    .strictObject({
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional()
        .describe('PostgreSQL URL of the store. Unset: embedded PGlite in <dataDir>/store.'),
      poolSize: positiveInt.default(10).describe('Connections in the pool (PostgreSQL store only).'),
      postgis: bool
        .default(true)
        .describe('Load PostGIS into the embedded store so the built-in `local` database connection has it.'),
    })
    .prefault({}),
  admin: z
    .strictObject({
      password: z
        .string()
        .min(8)
        .optional()
        .describe('Password of the `admin` user created on first start. Unset: one is generated and printed once.'),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      key: z
        .string()
        .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64')
        .optional()
        .describe(
          'AES-256-GCM key (base64, 32 bytes) for secrets at rest. Unset: generated into <dataDir>/secret.key.',
        ),
    })
    .prefault({}),
  auth: z
    .strictObject({
      sessionHours: positiveInt.default(12).describe('Lifetime of a web UI session, in hours.'),
      secureCookies: z
        .enum(['auto', 'always', 'never'])
        .default('auto')
        .describe('Mark session cookies Secure: auto = when the request came over HTTPS.'),
      loginAttempts: positiveInt.default(5).describe('Failed logins allowed per user name and address per window.'),
      loginWindowSeconds: positiveInt.default(300).describe('Window of the login rate limit, in seconds.'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('Log level.'),
    })
    .prefault({}),
  reports: z
    .strictObject({
      webhookUrl: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('Run reports are POSTed (JSON) to this URL when a batch run ends.'),
      smtpHost: z.string().min(1).optional().describe('SMTP server for run reports by e-mail; unset: no e-mail.'),
      smtpPort: port.default(587).describe('SMTP port (465 = TLS from the start, else STARTTLS when offered).'),
      smtpUser: z.string().min(1).optional().describe('SMTP user name, when the server needs a login.'),
      smtpPassword: z.string().min(1).optional().describe('SMTP password (never logged).'),
      mailFrom: z.string().min(3).default('geosync@localhost').describe('Sender address of report e-mails.'),
      mailTo: z
        .string()
        .regex(/^[^,\s]+@[^,\s]+(\s*,\s*[^,\s]+@[^,\s]+)*$/, 'comma-separated e-mail addresses')
        .optional()
        .describe('Recipients of report e-mails, comma-separated.'),
      filter: z
        .enum(['all', 'failed'])
        .default('failed')
        .describe('Which runs are reported: all, or only those that did not commit.'),
    })
    .prefault({}),
  files: z
    .strictObject({
      prepareScript: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Program run on an upload when the caller asks to prepare it (e.g. GDAL commands), with the uploaded file as its only argument; it may change the file in place. Relative to the data folder unless absolute. Unset: prepare is refused.',
        ),
      prepareTimeoutSeconds: positiveInt
        .default(300)
        .describe('Longest a prepare script may run; then it is killed with the processes it started.'),
      uploadLimitBytes: positiveInt
        .default(2_147_483_648)
        .describe('Largest file accepted by an upload through the API, in bytes.'),
    })
    .prefault({}),
  publication: z
    .strictObject({
      localMapServer: z
        .string()
        .min(1)
        .default('local')
        .describe(
          'Name of the map server connection that is the local one (publication tasks publish there first); default: the built-in publisher.',
        ),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      public: bool.default(true).describe('Serve /metrics without authentication (for Prometheus scrapers).'),
    })
    .prefault({}),
  dbsync: z
    .strictObject({
      batchChanges: positiveInt
        .max(1_000_000)
        .default(10_000)
        .describe('Changes per batch of a two-way database sync (each batch is applied in one transaction).'),
      pgBinDir: z
        .string()
        .min(1)
        .default('/usr/lib/postgresql/15/bin')
        .describe(
          "Folder of pg_dump, used to package a central database; its major version must be at least the server's.",
        ),
      workDir: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Folder of database sync packages and of clone changes saved by a forced deploy; relative to the data folder. Unset: <dataDir>/dbsync.',
        ),
      packageRetentionDays: positiveInt
        .max(3650)
        .default(30)
        .describe("How long a package holds the central's change log for clones still to deploy it, in days."),
      maxClockSkewSeconds: positiveInt
        .default(300)
        .describe("A sync warns when the clone's clock is further than this from the central's, in seconds."),
    })
    .prefault({}),
});

export type AppConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
