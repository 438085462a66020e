import pino, { type Logger } from 'pino';

/**
 * Paths of values that must never reach a log line. Bodies are not logged at all; these cover
 * headers and any object a caller passes in.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.secret',
  '*.secrets',
  '*.token',
  '*.secretAccessKey',
  '*.privateKey',
  '*.clientSecret',
  '*.smtpPassword',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination ?? process.stdout);
}
