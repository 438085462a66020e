/**
 * Real file services for the file sync's integration tests: a local folder, FTP (ftp-srv), SFTP
 * (ssh2's server, with OpenSSH's posix-rename) and S3 (s3rver), all on 127.0.0.1, opened through
 * the built-in connector types as geosync opens them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { builtinConnectorTypes } from '../../../connectors/builtin.ts';
import type { Connector } from '../../../connectors/connector.ts';
import { type FileService, isFileService, isFileServiceGroup } from '../../../connectors/file-service.ts';
import { FTP_PASSWORD, FTP_USER, startFtpServer } from '../../../../test/helpers/ftp-server.ts';
import { S3RVER_KEYS, startS3Server } from '../../../../test/helpers/s3-server.ts';
import { rsaPrivateKey, SFTP_PASSWORD, SFTP_USER, startSftpServer } from '../../../../test/helpers/sftp-server.ts';
import { makeTempDir } from '../../../../test/helpers/temp-dir.ts';

export type ServiceName = 'local' | 'ftp' | 'sftp' | 's3';
export const SERVICE_NAMES: readonly ServiceName[] = ['local', 'ftp', 'sftp', 's3'];

export interface TestFileServices {
  get(name: ServiceName): FileService;
  stop(): Promise<void>;
}

const BUCKET = 'geodata';

function open(type: string, config: Record<string, unknown>, opened: Connector[], member?: string): FileService {
  const connectorType = builtinConnectorTypes.find((t) => t.type === type)!;
  const connector = connectorType.create(connectorType.config.parse(config), { dataDir: '/nonexistent' });
  opened.push(connector);
  if (member !== undefined) {
    assert.ok(isFileServiceGroup(connector));
    return connector.member(member);
  }
  assert.ok(isFileService(connector));
  return connector;
}

export async function startFileServices(): Promise<TestFileServices> {
  const [s3, ftp, sftp] = await Promise.all([
    startS3Server([BUCKET]),
    startFtpServer(),
    startSftpServer({ privateKey: rsaPrivateKey() }, { posixRename: true }),
  ]);
  const opened: Connector[] = [];
  const services = new Map<ServiceName, FileService>([
    ['local', open('local-files', { root: makeTempDir('filesync-local-'), createRoot: false }, opened)],
    [
      'ftp',
      open(
        'ftp',
        { host: ftp.host, port: ftp.port, user: FTP_USER, password: FTP_PASSWORD, secure: 'none', root: '/' },
        opened,
      ),
    ],
    [
      'sftp',
      open(
        'sftp',
        {
          host: sftp.host,
          port: sftp.port,
          user: SFTP_USER,
          password: SFTP_PASSWORD,
          root: '/',
          hostKeySha256: sftp.hostKeySha256,
        },
        opened,
      ),
    ],
    [
      's3',
      open(
        's3',
        { endpoint: s3.endpoint, region: 'us-east-1', buckets: [BUCKET], forcePathStyle: true, ...S3RVER_KEYS },
        opened,
        BUCKET,
      ),
    ],
  ]);
  return {
    get: (name) => services.get(name)!,
    async stop() {
      for (const connector of opened) await connector.close().catch(() => undefined);
      await Promise.all([s3.stop(), ftp.stop(), sftp.stop()]);
    },
  };
}

export const put = (service: FileService, path: string, content: string | Buffer) =>
  service.write(path, Readable.from([Buffer.from(content)]));

export const contentOf = async (service: FileService, path: string): Promise<Buffer> =>
  buffer(await service.read(path));

/** The sha256 of every file below `dir` (manifests aside), by path relative to `dir`. */
export async function hashesBelow(service: FileService, dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await service.list(folder)) {
      if (entry.isDirectory) await walk(entry.path);
      else if (!entry.path.endsWith('/.geosync-files.json')) {
        result[entry.path.slice(dir.length + 1)] = sha256(await contentOf(service, entry.path));
      }
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

/** The manifest's baseline of `node` in `dir`, as JSON. */
export async function baselineOf(service: FileService, dir: string, node: string) {
  const doc = JSON.parse((await contentOf(service, `${dir}/.geosync-files.json`)).toString('utf8')) as {
    nodes: Record<
      string,
      { files: Record<string, { source: { sha256: string }; target: { sha256: string }; diverged?: boolean }> }
    >;
  };
  return doc.nodes[node]!.files;
}

/** A service that records the folders listed and files read through it, to prove what was not entered. */
export function recording(service: FileService): FileService & { listed: string[]; opened: string[] } {
  const listed: string[] = [];
  const opened: string[] = [];
  return {
    listed,
    opened,
    list: (dir) => {
      listed.push(dir ?? '');
      return service.list(dir);
    },
    stat: (path) => service.stat(path),
    read: (path) => {
      opened.push(path);
      return service.read(path);
    },
    write: (path, body, signal) => service.write(path, body, signal),
    rename: (from, to) => service.rename(from, to),
    remove: (path) => service.remove(path),
    exists: (path) => service.exists(path),
  };
}
