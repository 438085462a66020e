/**
 * Mapfile syntax: quoting values so that no title, password or path can end a string early and
 * add mapfile keywords of its own, and the names geosync gives layers and files.
 */
import { UserError } from '../../errors/errors.ts';
import type { LayerRef } from '../publisher.ts';

/**
 * A mapfile string literal: `"..."` with `\` and `"` escaped (MapServer's lexer reads `\"` and
 * `\\`). Line breaks are kept (MapServer accepts them inside strings); other control characters
 * cannot be meant and are dropped.
 */
export function mapString(value: string): string {
  const clean = value
    .replaceAll('\r\n', '\n')
    .replaceAll('\r', '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
  return `"${clean.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A libpq connection-string value: `'...'` with `\` and `'` escaped, as libpq reads it. */
export function conninfoValue(value: string | number): string {
  return `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** Identifiers geosync puts in a PostGIS DATA statement, which MapServer splits with its own rules. */
const safeIdentifier = /^[\p{L}_][\p{L}\p{N}_$]*$/u;

/**
 * A name for MapServer's DATA: only plain identifiers, which its DATA parser cannot misread.
 * Tables are quoted here (`"name"`, used as written); columns are not, MapServer quotes them.
 */
export function dataIdentifier(name: string, what: string, quote: boolean): string {
  if (!safeIdentifier.test(name) || name.length > 63) {
    throw new UserError(
      'mapserver_unsupported_name',
      `MapServer cannot serve ${what} '${name}': use letters, digits, _ and $ only (MapServer's PostGIS DATA syntax)`,
    );
  }
  return quote ? `"${name}"` : name;
}

/** Layer names and workspaces: what a WMS LAYERS list, a file name and a MapCache URL all accept. */
const namePart = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]{0,127}$/u;

function checkPart(value: string, field: 'name' | 'workspace'): void {
  if (!namePart.test(value)) {
    throw new UserError(
      'invalid_layer_name',
      `Layer ${field} '${value}' is not valid for MapServer: 1 to 128 letters, digits, _ . - (not starting with . or -)`,
      { details: [{ field, message: 'letters, digits, _ . - only' }] },
    );
  }
}

/** The MapServer layer NAME of a layer: `<workspace>_<name>`, or `<name>` without a workspace. */
export function layerName(ref: LayerRef): string {
  checkPart(ref.name, 'name');
  if (ref.workspace === undefined || ref.workspace === '') return ref.name;
  checkPart(ref.workspace, 'workspace');
  return `${ref.workspace}_${ref.name}`;
}

/**
 * The include file of a layer name: ASCII letters, digits, `_` and `-` as they are, every other
 * byte as `~xx`, so distinct names never share a file and no file name starts with `.` (geosync's
 * own temporary files do).
 */
export function includeFileName(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `~${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}.map`;
}

/** A MapServer keyword list item: MapServer splits `wms_keywordlist` on commas. */
export function keywordItem(keyword: string): string {
  return keyword.replaceAll(',', ' ').trim();
}
