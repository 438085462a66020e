import { UserError } from '../../errors/errors.ts';
import { parseQualifiedName, quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';
import { quoteLiteral } from './staging.ts';

/**
 * `${attribute}` placeholders in a longer SQL text (CreateComplexView's query), filled from the
 * configuration's attributes. Three forms, so the author says how a value enters the SQL:
 *
 * - `${name}`         the value as it is (raw SQL text: a column list, a condition);
 * - `${name:ident}`   a quoted identifier; `schema.table` is quoted part by part;
 * - `${name:literal}` a quoted string literal.
 *
 * `name` is spelled like an attribute (`[A-Za-z_][A-Za-z0-9_.-]*`). Every `${` starts a
 * placeholder: a malformed one is an error, not left in the SQL.
 */

export type PlaceholderForm = 'raw' | 'ident' | 'literal';

export interface Placeholder {
  /** The placeholder as written, `${name:ident}`. */
  text: string;
  name: string;
  form: PlaceholderForm;
  start: number;
  end: number;
}

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const FORMS: Record<string, PlaceholderForm> = { '': 'raw', ':ident': 'ident', ':literal': 'literal' };

function invalid(message: string): UserError {
  return new UserError('invalid_placeholder', message, { details: [{ field: 'definition', message }] });
}

/** The placeholders of `text`, in order. */
export function parsePlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (let start = text.indexOf('${'); start !== -1; start = text.indexOf('${', start + 2)) {
    const close = text.indexOf('}', start);
    if (close === -1) throw invalid(`A placeholder opened at character ${start + 1} is not closed with "}"`);
    const inner = text.slice(start + 2, close);
    const colon = inner.indexOf(':');
    const name = colon === -1 ? inner : inner.slice(0, colon);
    const form = FORMS[colon === -1 ? '' : inner.slice(colon)];
    const written = text.slice(start, close + 1);
    if (!ATTRIBUTE_NAME.test(name)) throw invalid(`Placeholder ${written} does not name an attribute`);
    if (!form) throw invalid(`Placeholder ${written}: the form after ":" must be ident or literal`);
    found.push({ text: written, name, form, start, end: close + 1 });
  }
  return found;
}

export interface FillOptions {
  /**
   * For raw and ident placeholders: the SQL to use when the value names a table or view staged
   * earlier in the run (its temporary name, quoted), or undefined to use the value itself.
   */
  stagedRelation?: (value: string) => string | undefined;
}

/**
 * Checks the placeholders of `text` without filling them: placeholders naming no attribute fail
 * together, in one UserError naming them. Returns the placeholders.
 */
export function checkPlaceholders(text: string, attributes: Readonly<Record<string, string>>): Placeholder[] {
  const placeholders = parsePlaceholders(text);
  const missing = [...new Set(placeholders.filter((p) => !Object.hasOwn(attributes, p.name)).map((p) => p.name))];
  if (missing.length > 0) {
    const names = missing.map((n) => `'${n}'`).join(', ');
    throw new UserError(
      'unknown_attribute',
      `The query uses ${missing.length === 1 ? 'attribute' : 'attributes'} ${names}, which the configuration does not have`,
      { details: missing.map((name) => ({ field: name, message: 'no such attribute' })) },
    );
  }
  return placeholders;
}

/** Replaces every placeholder of `text` by its attribute's value in its form (checked first). */
export function fillPlaceholders(
  text: string,
  attributes: Readonly<Record<string, string>>,
  options: FillOptions = {},
): string {
  const placeholders = checkPlaceholders(text, attributes);
  let out = '';
  let at = 0;
  for (const placeholder of placeholders) {
    out += text.slice(at, placeholder.start) + render(placeholder, attributes[placeholder.name]!, options);
    at = placeholder.end;
  }
  return out + text.slice(at);
}

function render(placeholder: Placeholder, value: string, options: FillOptions): string {
  if (placeholder.form === 'literal') return quoteLiteral(value);
  const staged = options.stagedRelation?.(value);
  if (staged !== undefined) return staged;
  if (placeholder.form === 'raw') return value;
  if (value === '' || value.includes('\0')) {
    throw invalid(
      `Placeholder ${placeholder.text}: attribute '${placeholder.name}' is not a valid name (empty or NUL)`,
    );
  }
  return quoteIdentifierPath(value);
}

/** `name` or `schema.name` (parts possibly already quoted), quoted part by part. */
export function quoteIdentifierPath(value: string): string {
  const noSchema = '';
  const parsed = parseQualifiedName(value, noSchema);
  return parsed.schema === noSchema ? quoteIdent(parsed.name) : quoteQualified(parsed);
}
