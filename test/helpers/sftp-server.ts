/**
 * A real SSH server with the SFTP subsystem (ssh2's Server) for the SFTP connector's integration
 * tests, on 127.0.0.1 and a free port, serving a temporary folder as `/` (also the login folder).
 * One user logs in with a password or with a private key.
 */
import { createHash, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { type Stats } from 'node:fs';
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  opendir,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import ssh2, { type Attributes, type Connection, type ParsedKey, type SFTPWrapper } from 'ssh2';

import { makeTempDir } from './temp-dir.ts';

// ssh2 is CommonJS: its parts exist only on the default export at run time.
const { Server, utils } = ssh2;

export const SFTP_USER = 'loader';
export const SFTP_PASSWORD = 'sftp-pass-93c1';

/** An RSA key in PKCS#1 PEM, which ssh2 reads (optionally encrypted with a passphrase). */
export function rsaPrivateKey(passphrase?: string): string {
  const encryption = passphrase ? { cipher: 'aes-256-cbc', passphrase } : {};
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem', ...encryption },
  }).privateKey;
}

function parsed(key: string, passphrase?: string): ParsedKey {
  const result = utils.parseKey(key, passphrase);
  if (result instanceof Error) throw result;
  return result;
}

/** `SHA256:...` as `ssh-keygen -lf` prints it: base64 of the key blob's SHA-256, no padding. */
export const fingerprintOf = (key: ParsedKey): string =>
  `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;

export interface TestSftpServer {
  host: string;
  port: number;
  root: string;
  hostKeySha256: string;
  /** Ends every client connection at once and stops listening, as a crash would. */
  kill(): void;
  stop(): Promise<void>;
}

export interface SftpServerOptions {
  /**
   * Offer OpenSSH's `posix-rename@openssh.com` (a rename that replaces the target), as OpenSSH
   * servers do. Off by default: the server then behaves as a plain SFTP v3 server.
   */
  posixRename?: boolean;
}

/** `userKey`: the private key whose public half may log in (besides the password). */
export async function startSftpServer(
  userKey: { privateKey: string; passphrase?: string },
  options: SftpServerOptions = {},
): Promise<TestSftpServer> {
  const root = makeTempDir('sftp-');
  const hostKey = rsaPrivateKey();
  const allowedKey = parsed(userKey.privateKey, userKey.passphrase);
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [hostKey] }, (connection) => {
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
    connection.on('error', () => undefined); // a client going away mid-handshake is fine here
    connection.on('authentication', (ctx) => {
      if (ctx.username !== SFTP_USER) return ctx.reject();
      if (ctx.method === 'password' && ctx.password === SFTP_PASSWORD) return ctx.accept();
      if (ctx.method === 'publickey' && isAllowed(ctx.key, allowedKey)) {
        // Without a signature the client only asks whether the key would do.
        if (!ctx.signature || allowedKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      }
      ctx.reject(['password', 'publickey']);
    });
    connection.on('ready', () => {
      connection.on('session', (acceptSession) => {
        acceptSession().on('sftp', (acceptSftp) => serveSftp(acceptSftp(), root, options));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const kill = () => {
    for (const connection of connections) connection.end();
    server.close();
  };
  return {
    host: '127.0.0.1',
    port,
    root,
    hostKeySha256: fingerprintOf(parsed(hostKey)),
    kill,
    async stop() {
      kill();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function isAllowed(offered: { algo: string; data: Buffer }, allowed: ParsedKey): boolean {
  const blob = allowed.getPublicSSH();
  return offered.algo === allowed.type && offered.data.length === blob.length && timingSafeEqual(offered.data, blob);
}

// --- The SFTP subsystem over node:fs ------------------------------------------------------------

const { STATUS_CODE, OPEN_MODE } = utils.sftp;

/** SFTP attributes of a file; SFTP counts time in whole seconds. */
const attrsOf = (s: Stats): Attributes => ({
  mode: s.mode,
  uid: s.uid,
  gid: s.gid,
  size: s.size,
  atime: Math.floor(s.atimeMs / 1000),
  mtime: Math.floor(s.mtimeMs / 1000),
});

/** An `ls -l`-like line: clients may show it, none parses it here. */
const longname = (name: string, s: Stats) =>
  `${s.isDirectory() ? 'd' : '-'}rw-r--r-- 1 u g ${s.size} Jan 1 00:00 ${name}`;

function statusOf(error: unknown): number {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return STATUS_CODE.NO_SUCH_FILE;
  if (code === 'EACCES' || code === 'EPERM') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

/** What an open handle stands for: a file, or a folder being listed (its names sent or not). */
type Handle = { file: FileHandle } | { dir: string; sent: boolean };

/**
 * Answers the SFTP requests a file service needs, confined to `root`: every path is resolved
 * against `/` first, so `..` stops at the root (the test server needs no more than that).
 */
function serveSftp(sftp: SFTPWrapper, root: string, options: SftpServerOptions): void {
  const handles = new Map<number, Handle>();
  let nextHandle = 0;
  const local = (remote: string) => path.join(root, path.posix.resolve('/', remote));
  const newHandle = (handle: Handle) => {
    const id = nextHandle++;
    handles.set(id, handle);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id);
    return buffer;
  };
  const handleOf = (buffer: Buffer) => (buffer.length === 4 ? handles.get(buffer.readUInt32BE()) : undefined);
  /** Runs a request; a thrown file-system error becomes its SFTP status. */
  const serve = (reqId: number, fn: () => Promise<void>) => {
    fn().catch((error: unknown) => sftp.status(reqId, statusOf(error)));
  };
  const ok = (reqId: number) => sftp.status(reqId, STATUS_CODE.OK);

  sftp.on('OPEN', (reqId, filename, flags) =>
    serve(reqId, async () => {
      const mode =
        flags & OPEN_MODE.WRITE ? (flags & OPEN_MODE.EXCL ? 'wx' : flags & OPEN_MODE.APPEND ? 'a' : 'w') : 'r';
      const file = await open(local(filename), mode);
      if ((await file.stat()).isDirectory()) {
        await file.close();
        return void sftp.status(reqId, STATUS_CODE.FAILURE, 'is a folder');
      }
      sftp.handle(reqId, newHandle({ file }));
    }),
  );
  sftp.on('READ', (reqId, handle, offset, length) =>
    serve(reqId, async () => {
      const open = handleOf(handle);
      if (!open || !('file' in open)) return void sftp.status(reqId, STATUS_CODE.FAILURE);
      const { bytesRead, buffer } = await open.file.read(Buffer.alloc(length), 0, length, offset);
      if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF);
      else sftp.data(reqId, buffer.subarray(0, bytesRead));
    }),
  );
  sftp.on('WRITE', (reqId, handle, offset, data) =>
    serve(reqId, async () => {
      const open = handleOf(handle);
      if (!open || !('file' in open)) return void sftp.status(reqId, STATUS_CODE.FAILURE);
      await open.file.write(data, 0, data.length, offset);
      ok(reqId);
    }),
  );
  sftp.on('FSTAT', (reqId, handle) =>
    serve(reqId, async () => {
      const open = handleOf(handle);
      if (!open) return void sftp.status(reqId, STATUS_CODE.FAILURE);
      sftp.attrs(reqId, attrsOf('file' in open ? await open.file.stat() : await stat(open.dir)));
    }),
  );
  // Changing modes and times is accepted and ignored: the tests do not depend on it.
  sftp.on('FSETSTAT', (reqId) => ok(reqId));
  sftp.on('SETSTAT', (reqId) => ok(reqId));
  sftp.on('CLOSE', (reqId, handle) =>
    serve(reqId, async () => {
      const open = handleOf(handle);
      if (!open) return void sftp.status(reqId, STATUS_CODE.FAILURE);
      handles.delete(handle.readUInt32BE());
      if ('file' in open) await open.file.close();
      ok(reqId);
    }),
  );
  sftp.on('STAT', (reqId, remote) =>
    serve(reqId, async () => void sftp.attrs(reqId, attrsOf(await stat(local(remote))))),
  );
  sftp.on('LSTAT', (reqId, remote) =>
    serve(reqId, async () => void sftp.attrs(reqId, attrsOf(await lstat(local(remote))))),
  );
  sftp.on('OPENDIR', (reqId, remote) =>
    serve(reqId, async () => {
      await (await opendir(local(remote))).close(); // fails for a missing path or a file
      sftp.handle(reqId, newHandle({ dir: local(remote), sent: false }));
    }),
  );
  sftp.on('READDIR', (reqId, handle) =>
    serve(reqId, async () => {
      const open = handleOf(handle);
      if (!open || !('dir' in open)) return void sftp.status(reqId, STATUS_CODE.FAILURE);
      // Everything in one answer, then EOF: folders in these tests are small.
      if (open.sent) return void sftp.status(reqId, STATUS_CODE.EOF);
      open.sent = true;
      const names = await readdir(open.dir);
      const entries = await Promise.all(
        names.map(async (filename) => {
          const s = await lstat(path.join(open.dir, filename));
          return { filename, longname: longname(filename, s), attrs: attrsOf(s) };
        }),
      );
      sftp.name(reqId, entries);
    }),
  );
  sftp.on('MKDIR', (reqId, remote) => serve(reqId, async () => void (await mkdir(local(remote)), ok(reqId))));
  sftp.on('RMDIR', (reqId, remote) => serve(reqId, async () => void (await rmdir(local(remote)), ok(reqId))));
  sftp.on('REMOVE', (reqId, remote) => serve(reqId, async () => void (await unlink(local(remote)), ok(reqId))));
  sftp.on('RENAME', (reqId, from, to) =>
    serve(reqId, async () => {
      // As OpenSSH's server (SFTP v3): a rename never replaces an existing file.
      const taken = await lstat(local(to)).then(
        () => true,
        () => false,
      );
      if (taken) return void sftp.status(reqId, STATUS_CODE.FAILURE, 'target exists');
      await rename(local(from), local(to));
      ok(reqId);
    }),
  );
  if (options.posixRename) {
    offerExtension(sftp, 'posix-rename@openssh.com', '1');
    sftp.on('EXTENDED', (reqId, name, data) => {
      if (name !== 'posix-rename@openssh.com' || !data) return void sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED);
      const fromLength = data.readUInt32BE(0);
      const from = data.toString('utf8', 4, 4 + fromLength);
      const to = data.toString('utf8', 8 + fromLength, 8 + fromLength + data.readUInt32BE(4 + fromLength));
      // rename(2): replaces an existing target, which is the point of the extension.
      serve(reqId, async () => void (await rename(local(from), local(to)), ok(reqId)));
    });
  }
  sftp.on('REALPATH', (reqId, remote) => {
    const resolved = path.posix.resolve('/', remote);
    sftp.name(reqId, [{ filename: resolved, longname: resolved, attrs: {} as Attributes }]);
  });
}

/** The VERSION packet (type 2) ssh2's server always sends: SFTP v3, no extensions. */
const PLAIN_VERSION = Buffer.from([0, 0, 0, 5, 2, 0, 0, 0, 3]);

/**
 * Makes the server's VERSION packet announce an extension. ssh2's Server has no option for it
 * (it sends a fixed packet), so this wraps the connection's channel writer and swaps that one
 * packet on this channel for one naming the extension (keeping the channel window honest).
 * Test-only: it reaches into ssh2's internals (`_protocol`, `outgoing`), checked on ssh2 1.17.
 */
function offerExtension(sftp: SFTPWrapper, name: string, value: string): void {
  const internals = sftp as unknown as {
    _protocol: { channelData(id: number, data: Buffer): void };
    outgoing: { id: number; window: number };
  };
  const protocol = internals._protocol;
  const write = protocol.channelData.bind(protocol);
  const string = (text: string) => {
    const bytes = Buffer.from(text);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const body = Buffer.concat([PLAIN_VERSION.subarray(4), string(name), string(value)]);
  const version = Buffer.concat([Buffer.alloc(4), body]);
  version.writeUInt32BE(body.length);
  let sent = false;
  protocol.channelData = (id, data) => {
    if (!sent && id === internals.outgoing.id && data.equals(PLAIN_VERSION)) {
      sent = true;
      internals.outgoing.window -= version.length - data.length;
      return write(id, version);
    }
    return write(id, data);
  };
}
