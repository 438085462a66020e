/**
 * The files geosync owns for one MapServer: the main mapfile, generated from the includes present
 * in the folder `<mapfile name>-layers/` next to it, one include per layer.
 *
 * Every change is checked before MapServer can see it: the new include goes to a temporary file,
 * a temporary copy of the whole resulting mapfile (absolute INCLUDEs, in the system's temp folder)
 * is loaded by `map2img`, which also draws the changed layer on a 1×1 image (so a missing table,
 * column or raster file is caught), and only then are the files renamed into place: the include
 * first, then the main mapfile, which never names a file that does not exist. A refused change
 * leaves every file as it was. Changes to one mapfile are serialised within this process; several
 * geosync processes must not manage the same mapfile at once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { OperationalError, UserError } from '../../errors/errors.ts';
import type { LayerDefinition } from '../publisher.ts';
import { readIncludeDefinition } from './layer-include.ts';
import { includeFileName, mapString } from './mapfile-syntax.ts';
import type { MapserverConfig } from './mapserver.config.ts';
import { mapserverMessage, runTool, tools } from './mapserver-tools.ts';
import { redacted } from './postgis-table.ts';

/** Chains the changes of each mapfile (path → last change), so two publishes never interleave. */
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

/** Writes `text` to `file` through a temporary file and a rename (never half-written). */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A change: the include to write (`text`) or to drop (`text: undefined`), under the layer name. */
interface Change {
  name: string;
  text: string | undefined;
  /** Secret to keep out of error messages. */
  password?: string;
}

export class MapfileStore {
  readonly mapfile: string;
  /** Absolute folder of the includes. */
  readonly layersDir: string;
  /** The same, as the main mapfile names it (relative to its folder). */
  private readonly layersDirName: string;

  constructor(private readonly config: MapserverConfig) {
    this.mapfile = config.mapfile;
    this.layersDirName = `${path.basename(config.mapfile).replace(/\.map$/i, '')}-layers`;
    this.layersDir = path.join(path.dirname(config.mapfile), this.layersDirName);
  }

  includePath(name: string): string {
    return path.join(this.layersDir, includeFileName(name));
  }

  /** The definition geosync published under `name`, if any. */
  read(name: string): Promise<LayerDefinition | undefined> {
    return this.readInclude(includeFileName(name));
  }

  /** The definition in include file `file` (a name `includes()` gave), if it is still there. */
  async readInclude(file: string): Promise<LayerDefinition | undefined> {
    let text: string;
    try {
      text = await readFile(path.join(this.layersDir, file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.fileError(error, 'read');
    }
    return readIncludeDefinition(text);
  }

  /** The include files present (geosync's temporary files, starting with `.`, excluded), sorted. */
  async includes(): Promise<string[]> {
    try {
      const entries = await readdir(this.layersDir);
      return entries.filter((f) => f.endsWith('.map') && !f.startsWith('.')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.fileError(error, 'list');
    }
  }

  /**
   * Applies changes (several for a rename: the new name written, the old one dropped) after
   * checking the whole resulting mapfile, drawing the layers written.
   */
  apply(changes: Change[], signal: AbortSignal): Promise<void> {
    return serialised(this.mapfile, async () => {
      signal.throwIfAborted();
      await mkdir(this.layersDir, { recursive: true }).catch((error: unknown) => {
        throw this.fileError(error, 'create');
      });
      const temps = new Map<string, string>();
      try {
        for (const change of changes) {
          if (change.text === undefined) continue;
          const temp = path.join(
            this.layersDir,
            `.${includeFileName(change.name)}.${randomBytes(6).toString('hex')}.tmp`,
          );
          await writeFile(temp, change.text, { flag: 'wx' });
          temps.set(change.name, temp);
        }
        const files = new Set(await this.includes());
        for (const change of changes) {
          const file = includeFileName(change.name);
          if (change.text === undefined) files.delete(file);
          else files.add(file);
        }
        const sorted = [...files].sort();
        // The check copy names every include by absolute path; the temporary ones for the changes.
        const byFile = new Map([...temps].map(([name, temp]) => [includeFileName(name), temp]));
        const check = this.renderMain(sorted.map((f) => byFile.get(f) ?? path.join(this.layersDir, f)));
        await this.check(
          check,
          changes.filter((c) => c.text !== undefined).map((c) => c.name),
          changes.map((c) => c.password).filter((p): p is string => p !== undefined && p !== ''),
          signal,
        );
        for (const [name, temp] of temps) {
          await rename(temp, this.includePath(name));
          temps.delete(name);
        }
        await writeAtomically(this.mapfile, this.renderMain(sorted.map((f) => `${this.layersDirName}/${f}`)));
        for (const change of changes) {
          if (change.text === undefined) await rm(this.includePath(change.name), { force: true });
        }
      } finally {
        for (const temp of temps.values()) await rm(temp, { force: true });
      }
    });
  }

  /** The main mapfile including `includes` (paths as written in INCLUDE). */
  renderMain(includes: string[]): string {
    const url = this.config.url;
    const onlineResource = url.includes('?') ? (/[?&]$/.test(url) ? url : `${url}&`) : `${url}?`;
    const title = path.basename(this.mapfile).replace(/\.map$/i, '');
    return [
      `# Generated by geosync from the includes in ${this.layersDirName}/: edits are overwritten.`,
      'MAP',
      `  NAME ${mapString(title.replace(/[^A-Za-z0-9_-]/g, '_'))}`,
      '  EXTENT -180 -90 180 90',
      '  SIZE 512 512',
      '  UNITS DD',
      '  IMAGECOLOR 255 255 255',
      '  PROJECTION "EPSG:4326" END',
      '  WEB',
      '    METADATA',
      `      "wms_title" ${mapString(title)}`,
      `      "wms_onlineresource" ${mapString(onlineResource)}`,
      '      "wms_srs" "EPSG:4326 CRS:84 EPSG:3857 EPSG:900913"',
      '      "wms_enable_request" "*"',
      '    END',
      '  END',
      ...includes.map((file) => `  INCLUDE ${mapString(file)}`),
      'END',
      '',
    ].join('\n');
  }

  /** MapServer's config file for map2img: the configured one, or a minimal one (MapServer 8 wants one). */
  private async configFile(dir: string): Promise<string> {
    if (this.config.configFile) return this.config.configFile;
    const file = path.join(dir, 'mapserver.conf');
    await writeFile(file, 'CONFIG\nEND\n');
    return file;
  }

  /**
   * Loads `mapfileText` with map2img and draws `draw` (layer names) on a 1×1 image; throws a
   * UserError with MapServer's message when it fails.
   */
  async check(mapfileText: string, draw: string[], secrets: string[], signal: AbortSignal): Promise<void> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'geosync-mapfile-'));
    try {
      const file = path.join(dir, 'check.map');
      await writeFile(file, mapfileText);
      const args = ['-conf', await this.configFile(dir), '-m', file, '-o', path.join(dir, 'check.png')];
      args.push('-e', '0', '0', '0.0001', '0.0001', '-s', '1', '1');
      if (draw.length > 0) args.push('-l', draw.join(' '));
      let result;
      try {
        result = await runTool(tools.map2img, args, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        throw this.toolMissing(error);
      }
      if (result.code !== 0) {
        let message = mapserverMessage(result.output).replaceAll(`${dir}/`, '');
        if (/check server logs/i.test(message)) {
          // MapServer hides the database's own error unless debugging: ask again, keep only that.
          const debug = await runTool(tools.map2img, [...args, '-all_debug', '1'], signal).catch(() => undefined);
          const reasons = new Set([...(debug?.output ?? '').matchAll(/ERROR:\s+(.+)/g)].map((m) => m[1]?.trim()));
          if (reasons.size > 0) message += ` (PostgreSQL: ${[...reasons].join('; ')})`;
        }
        message = message.replaceAll(/password=('(?:\\.|[^'\\])*'|\S+)/g, 'password=***');
        for (const secret of secrets) message = redacted(message, secret);
        throw new UserError(
          'mapserver_layer_invalid',
          `MapServer refused the mapfile, nothing was changed: ${message || `map2img exited with ${result.code}`}`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  toolMissing(error: unknown): Error {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new OperationalError(
        'mapserver_tool_missing',
        `${tools.map2img} was not found on PATH: install MapServer's tools (Debian: mapserver-bin) where geosync runs`,
        { cause: error },
      );
    }
    return error as Error;
  }

  fileError(error: unknown, action: string): Error {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return new UserError('file_access_denied', `geosync may not ${action} files in ${this.layersDir} (${code})`, {
        status: 403,
      });
    }
    return new OperationalError(
      'file_service_failed',
      `Cannot ${action} files in ${this.layersDir} (${code ?? String(error)})`,
      {
        cause: error,
      },
    );
  }
}
