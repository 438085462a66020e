import { UserError } from '../../errors/errors.ts';
import type { LayerRef, PostgisSource } from '../publisher.ts';

/**
 * Names geosync gives GeoServer objects: letters, digits, `_` and `-`, starting with a letter
 * or `_`. Dots are refused: GeoServer reads `.json`/`.xml` at the end of a path as a format, and
 * data-access rule keys (`ws.layer.r`) would need escaping.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

export interface QualifiedRef {
  workspace: string;
  name: string;
}

/** The workspace and name of `ref`, checked; GeoServer needs a workspace for every layer. */
export function qualify(ref: LayerRef): QualifiedRef {
  if (ref.workspace === undefined || ref.workspace === '') {
    throw new UserError('invalid_layer', `Layer '${ref.name}' has no workspace: GeoServer layers live in a workspace`, {
      details: [{ field: 'workspace', message: 'required for GeoServer' }],
    });
  }
  for (const [field, value] of [
    ['workspace', ref.workspace],
    ['name', ref.name],
  ] as const) {
    if (!NAME.test(value)) {
      throw new UserError(
        'invalid_layer',
        `'${value}' is not a valid GeoServer ${field} name: use letters, digits, '_' and '-', starting with a letter or '_'`,
        { details: [{ field, message: 'letters, digits, _ and -' }] },
      );
    }
  }
  return { workspace: ref.workspace, name: ref.name };
}

/** `ws:name`, URL-encoded part by part, as the `/layers/` and GWC paths take it. */
export const prefixed = (ref: QualifiedRef): string =>
  `${encodeURIComponent(ref.workspace)}:${encodeURIComponent(ref.name)}`;

/**
 * The PostGIS store of a source: one per database and schema in a workspace, named after them
 * (`<database>_<schema>`), so every layer of one schema shares a store.
 */
export function dataStoreName(source: PostgisSource): string {
  return `${source.database}_${source.schema}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The workspace style holding an SLD body: named by its content, so equal SLDs share one. */
export const STYLE_PREFIX = 'geosync_';

export const isSld = (style: string): boolean => style.trimStart().startsWith('<');
