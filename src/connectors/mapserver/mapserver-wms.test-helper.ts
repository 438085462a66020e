/**
 * Test helpers for the MapServer connector: `mapserv` run as a CGI program (no web server), an
 * HTTP front for it (for MapCache), and a small PNG reader to tell a drawn map from a blank one.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { inflateSync } from 'node:zlib';

export interface CgiAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** A MapServer config file that serves `mapfile` as `map=GEOSYNC`, written into `dir`. */
export async function writeServiceConfig(dir: string, mapfile: string): Promise<string> {
  const file = path.join(dir, 'mapserver.conf');
  await writeFile(file, `CONFIG\n  MAPS\n    "GEOSYNC" "${mapfile}"\n  END\nEND\n`);
  return file;
}

/** Runs `mapserv` as CGI with `query` (without `map=`, added here) and splits headers from body. */
export function mapserv(configFile: string, query: string): Promise<CgiAnswer> {
  return new Promise((resolve, reject) => {
    execFile(
      process.env.GEOSYNC_TEST_MAPSERV ?? 'mapserv',
      [],
      {
        env: {
          PATH: process.env.PATH,
          MAPSERVER_CONFIG_FILE: configFile,
          REQUEST_METHOD: 'GET',
          QUERY_STRING: `map=GEOSYNC&${query}`,
        },
        encoding: 'buffer',
        maxBuffer: 32 * 1024 * 1024,
        timeout: 60_000,
      },
      (error, stdout) => {
        if (error) return reject(new Error(error.message, { cause: error }));
        const split = stdout.indexOf('\r\n\r\n') >= 0 ? stdout.indexOf('\r\n\r\n') : stdout.indexOf('\n\n');
        const gap = stdout.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
        if (split < 0) return reject(new Error(`mapserv answered no CGI headers: ${stdout.toString('utf8', 0, 500)}`));
        const headers = stdout.subarray(0, split).toString('utf8');
        const status = /^Status:\s*(\d+)/im.exec(headers)?.[1];
        resolve({
          status: status ? Number(status) : 200,
          contentType: /^Content-Type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? '',
          body: stdout.subarray(split + gap),
        });
      },
    );
  });
}

/** An HTTP server in front of `mapserv` (as a web server would run the CGI), for MapCache to fetch from. */
export async function startMapservHttp(configFile: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://x').search.slice(1).replace(/(^|&)map=[^&]*/i, '');
    mapserv(configFile, query).then(
      (answer) => {
        response.writeHead(answer.status, { 'content-type': answer.contentType });
        response.end(answer.body);
      },
      (error: Error) => {
        response.writeHead(500);
        response.end(error.message);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cgi-bin/mapserv?map=GEOSYNC`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Counts the pixels of an 8-bit, non-interlaced PNG (grey, RGB, palette, grey+alpha, RGBA) that
 * differ from its top-left pixel: 0 for a blank map.
 */
export function pixelsUnlikeCorner(png: Buffer): number {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs are read');
      colorType = data[9] ?? 0;
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`PNG colour type ${colorType} not read`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  const corner = pixels.subarray(0, channels);
  let different = 0;
  for (let i = 0; i < pixels.length; i += channels) {
    if (!pixels.subarray(i, i + channels).equals(corner)) different++;
  }
  return different;
}
