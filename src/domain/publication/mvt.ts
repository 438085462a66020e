/**
 * A Mapbox Vector Tile (spec 2.1) encoder, for geometries already in tile coordinates (integers
 * in 0..extent, y down). The embedded store's PostGIS is built without protobuf-c, so ST_AsMVT
 * is not available there: geosync prepares geometries in SQL (transform, clip, scale, snap) and
 * encodes the tile here. Protobuf is written by hand: the tile needs only varints, packed
 * uint32s, strings and doubles.
 */

type Position = number[];

/** The GeoJSON geometries ST_AsGeoJSON returns. */
export type TileGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] }
  | { type: 'GeometryCollection'; geometries: TileGeometry[] };

export interface TileFeature {
  /** A non-negative integer id, or undefined. */
  id?: number;
  geometry: TileGeometry;
  properties: Record<string, unknown>;
}

export const TILE_EXTENT = 4096;

const enum GeomType {
  Point = 1,
  LineString = 2,
  Polygon = 3,
}

class Writer {
  private bytes: number[] = [];

  varint(value: number): this {
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  uint(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  bytesField(field: number, data: Uint8Array | number[]): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  packed(field: number, values: readonly number[]): this {
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    return this.bytesField(field, inner.finish());
  }

  double(field: number, value: number): this {
    const buffer = new DataView(new ArrayBuffer(8));
    buffer.setFloat64(0, value, true);
    this.tag(field, 1);
    for (let i = 0; i < 8; i++) this.bytes.push(buffer.getUint8(i));
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);
const command = (id: number, count: number) => (id & 0x7) | (count << 3);

/** Builds one feature's command stream, keeping the cursor between parts. */
class GeometryWriter {
  readonly commands: number[] = [];
  private x = 0;
  private y = 0;

  private moveTo(points: Position[], lineTo: boolean): void {
    const [first, ...rest] = points;
    this.commands.push(command(1, 1));
    this.delta(first!);
    if (lineTo && rest.length > 0) {
      this.commands.push(command(2, rest.length));
      for (const p of rest) this.delta(p);
    }
  }

  private delta(p: Position): void {
    const [x, y] = [Math.round(p[0]!), Math.round(p[1]!)];
    this.commands.push(zigzag(x - this.x), zigzag(y - this.y));
    this.x = x;
    this.y = y;
  }

  points(points: Position[]): void {
    if (points.length === 0) return;
    this.commands.push(command(1, points.length));
    for (const p of points) this.delta(p);
  }

  line(points: Position[]): void {
    const distinct = dedupe(points);
    if (distinct.length >= 2) this.moveTo(distinct, true);
  }

  ring(points: Position[]): void {
    this.moveTo(points, true);
    this.commands.push(command(7, 1));
  }
}

function dedupe(points: Position[]): Position[] {
  const out: Position[] = [];
  for (const p of points) {
    const last = out.at(-1);
    if (!last || Math.round(last[0]!) !== Math.round(p[0]!) || Math.round(last[1]!) !== Math.round(p[1]!)) out.push(p);
  }
  return out;
}

/** Twice the ring's area by the surveyor's formula, in tile coordinates (y down): exterior > 0. */
function signedArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [a, b] = [ring[i]!, ring[(i + 1) % ring.length]!];
    sum += a[0]! * b[1]! - b[0]! * a[1]!;
  }
  return sum;
}

/** A ring without its closing point or repeated points, oriented as MVT wants; undefined if degenerate. */
function orientRing(ring: Position[], exterior: boolean): Position[] | undefined {
  let points = dedupe(ring);
  if (points.length > 1 && points[0]![0] === points.at(-1)![0] && points[0]![1] === points.at(-1)![1]) {
    points = points.slice(0, -1);
  }
  if (points.length < 3) return undefined;
  const area = signedArea(points);
  if (area === 0) return undefined;
  return area > 0 === exterior ? points : points.reverse();
}

/** Splits a geometry into parts of one MVT type each (a collection becomes several features). */
function encodeGeometry(geometry: TileGeometry): { type: GeomType; commands: number[] }[] {
  const w = new GeometryWriter();
  switch (geometry.type) {
    case 'Point':
      w.points([geometry.coordinates]);
      return [{ type: GeomType.Point, commands: w.commands }];
    case 'MultiPoint':
      w.points(geometry.coordinates);
      return w.commands.length > 0 ? [{ type: GeomType.Point, commands: w.commands }] : [];
    case 'LineString':
    case 'MultiLineString': {
      const lines = geometry.type === 'LineString' ? [geometry.coordinates] : geometry.coordinates;
      for (const line of lines) w.line(line);
      return w.commands.length > 0 ? [{ type: GeomType.LineString, commands: w.commands }] : [];
    }
    case 'Polygon':
    case 'MultiPolygon': {
      const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
      for (const [outer, ...holes] of polygons) {
        const exterior = outer && orientRing(outer, true);
        if (!exterior) continue; // a collapsed exterior takes its holes with it
        w.ring(exterior);
        for (const hole of holes) {
          const interior = orientRing(hole, false);
          if (interior) w.ring(interior);
        }
      }
      return w.commands.length > 0 ? [{ type: GeomType.Polygon, commands: w.commands }] : [];
    }
    case 'GeometryCollection':
      return geometry.geometries.flatMap(encodeGeometry);
  }
}

/** Keys and values shared by a layer's features, each written once. */
class Dictionary {
  readonly keys: string[] = [];
  readonly values: { kind: 'string' | 'uint' | 'sint' | 'double' | 'bool'; value: string | number | boolean }[] = [];
  private readonly keyIndex = new Map<string, number>();
  private readonly valueIndex = new Map<string, number>();

  tags(properties: Record<string, unknown>): number[] {
    const tags: number[] = [];
    for (const [key, raw] of Object.entries(properties)) {
      const value = toValue(raw);
      if (!value) continue;
      let k = this.keyIndex.get(key);
      if (k === undefined) {
        k = this.keys.push(key) - 1;
        this.keyIndex.set(key, k);
      }
      const id = `${value.kind}:${String(value.value)}`;
      let v = this.valueIndex.get(id);
      if (v === undefined) {
        v = this.values.push(value) - 1;
        this.valueIndex.set(id, v);
      }
      tags.push(k, v);
    }
    return tags;
  }
}

function toValue(raw: unknown): Dictionary['values'][number] | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'boolean') return { kind: 'bool', value: raw };
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return undefined;
    if (Number.isSafeInteger(raw)) return { kind: raw >= 0 ? 'uint' : 'sint', value: raw };
    return { kind: 'double', value: raw };
  }
  if (typeof raw === 'string') return { kind: 'string', value: raw };
  return { kind: 'string', value: JSON.stringify(raw) };
}

function encodeValue(value: Dictionary['values'][number]): Uint8Array {
  const w = new Writer();
  switch (value.kind) {
    case 'string':
      return w.string(1, value.value as string).finish();
    case 'double':
      return w.double(3, value.value as number).finish();
    case 'uint':
      return w.uint(5, value.value as number).finish();
    case 'sint':
      return w.uint(6, zigzag(value.value as number)).finish();
    case 'bool':
      return w.uint(7, value.value ? 1 : 0).finish();
  }
}

/** One tile with one layer; an empty tile (no bytes) when no feature has a geometry left. */
export function encodeTile(layerName: string, features: readonly TileFeature[]): Uint8Array {
  const dictionary = new Dictionary();
  const encoded: Uint8Array[] = [];
  for (const feature of features) {
    const parts = encodeGeometry(feature.geometry);
    if (parts.length === 0) continue;
    const tags = dictionary.tags(feature.properties);
    for (const part of parts) {
      const w = new Writer();
      if (feature.id !== undefined && Number.isSafeInteger(feature.id) && feature.id >= 0) w.uint(1, feature.id);
      if (tags.length > 0) w.packed(2, tags);
      w.uint(3, part.type).packed(4, part.commands);
      encoded.push(w.finish());
    }
  }
  if (encoded.length === 0) return new Uint8Array();
  const layer = new Writer().uint(15, 2).string(1, layerName);
  for (const f of encoded) layer.bytesField(2, f);
  for (const key of dictionary.keys) layer.string(3, key);
  for (const value of dictionary.values) layer.bytesField(4, encodeValue(value));
  layer.uint(5, TILE_EXTENT);
  return new Writer().bytesField(3, layer.finish()).finish();
}
