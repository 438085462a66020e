import { isGeosyncError, OperationalError, UnexpectedError, UserError } from '../../errors/errors.ts';
import { escapeXml } from './mapping-template.ts';

/**
 * The error with the database password blanked: a map server may echo the mapping it refused,
 * where the password stands XML-escaped (`p&amp;ss`), in its message or in a detail.
 */
export function withoutSecret(error: unknown, secret: string): unknown {
  if (!secret || !isGeosyncError(error)) return error;
  const forms = [...new Set([secret, escapeXml(secret)])].sort((a, b) => b.length - a.length);
  const blank = (text: string) => forms.reduce((out, form) => out.replaceAll(form, '***'), text);
  const leaks = (text: string) => forms.some((form) => text.includes(form));
  if (!leaks(error.message) && !error.details.some((d) => leaks(d.message))) return error;
  const details = error.details.map((d) => ({ ...d, message: blank(d.message) }));
  if (error instanceof UserError) {
    return new UserError(error.code, blank(error.message), { status: error.status, details });
  }
  if (error instanceof UnexpectedError) return new UnexpectedError(error.code, blank(error.message), { details });
  return new OperationalError(error.code, blank(error.message), { details });
}
