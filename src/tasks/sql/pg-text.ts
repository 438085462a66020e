import { type ColumnDescription, GeometryValue, type SourceValue } from '../../connectors/database.ts';
import { UserError } from '../../errors/errors.ts';

/**
 * Source values as PostgreSQL's text input: what a `COPY ... FROM STDIN` text row or a typed
 * parameter takes. Geometries become hex EWKB (WKB with the SRID inside), which the geometry
 * type reads directly, so no PostGIS function call is needed per row.
 */

const EWKB_SRID_FLAG = 0x20000000;

/** WKB + SRID -> hex EWKB. ISO WKB type codes (Z = +1000...) are read by PostGIS as they are. */
export function ewkbHex(wkb: Buffer, srid: number): string {
  if (wkb.length < 5) throw new UserError('invalid_geometry', 'A geometry value is too short to be WKB');
  const littleEndian = wkb[0] === 1;
  if (!littleEndian && wkb[0] !== 0) throw new UserError('invalid_geometry', 'A geometry value is not WKB');
  const type = littleEndian ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  if (type & EWKB_SRID_FLAG) return wkb.toString('hex'); // already EWKB with its SRID
  const header = Buffer.alloc(9);
  header[0] = wkb[0]!;
  if (littleEndian) {
    header.writeUInt32LE((type | EWKB_SRID_FLAG) >>> 0, 1);
    header.writeUInt32LE(srid >>> 0, 5);
  } else {
    header.writeUInt32BE((type | EWKB_SRID_FLAG) >>> 0, 1);
    header.writeUInt32BE(srid >>> 0, 5);
  }
  return Buffer.concat([header, wkb.subarray(5)]).toString('hex');
}

/** A raw geometry column's value (WKT text, WKB bytes or WKB hex text) as geometry text input. */
function rawGeometryText(value: SourceValue, raw: NonNullable<ColumnDescription['rawGeometry']>): string {
  const text = () => {
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    throw new UserError('invalid_geometry', `A ${raw.encoding} geometry column holds no text`);
  };
  switch (raw.encoding) {
    case 'WKT':
      return `SRID=${raw.srid};${text()}`;
    case 'WKB':
      if (!Buffer.isBuffer(value)) throw new UserError('invalid_geometry', 'A WKB geometry column holds no bytes');
      return ewkbHex(value, raw.srid);
    case 'WKB_HEX': {
      const hex = text().trim();
      if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
        throw new UserError('invalid_geometry', 'A WKB_HEX geometry column holds text that is not hexadecimal');
      }
      return ewkbHex(Buffer.from(hex, 'hex'), raw.srid);
    }
  }
}

/** One value as PostgreSQL text input; null stays null. */
export function pgText(value: SourceValue | object, column?: ColumnDescription): string | null {
  if (value === null || value === undefined) return null;
  if (column?.rawGeometry) return rawGeometryText(value as SourceValue, column.rawGeometry);
  if (value instanceof GeometryValue) return ewkbHex(value.wkb, value.srid);
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value); // JSON columns some drivers hand over parsed
}

const copyEscapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One row in COPY's text format (tab-separated, `\N` for null, backslash escapes), with its newline. */
export function copyTextRow(values: readonly SourceValue[], columns: readonly ColumnDescription[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const text = pgText(values[i]!, columns[i]);
    if (i > 0) line += '\t';
    if (text === null) line += '\\N';
    else {
      if (text.includes('\0')) throw new UserError('invalid_text', `Column ${columns[i]?.name} holds a NUL character`);
      line += text.replace(/[\\\n\r\t]/g, (c) => copyEscapes[c]!);
    }
  }
  return `${line}\n`;
}
