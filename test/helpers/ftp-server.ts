/**
 * A real FTP server (ftp-srv) for the FTP connector's integration tests: plain FTP on 127.0.0.1,
 * a free control port, passive data ports on 127.0.0.1, one user whose root is a temporary folder.
 */
import { rm } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';

import { FtpSrv } from 'ftp-srv';

import { makeTempDir } from './temp-dir.ts';

export const FTP_USER = 'loader';
export const FTP_PASSWORD = 'ftp-pass-8d41e2';

export interface TestFtpServer {
  host: string;
  port: number;
  /** The user's root folder on the local disk. */
  root: string;
  /** Disconnects every client and stops listening (the folder stays). */
  close(): Promise<void>;
  /** close(), then removes the folder. */
  stop(): Promise<void>;
}

/** ftp-srv logs through a bunyan-style logger; the tests want silence. */
const silentLog = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child: () => silentLog,
};

export async function startFtpServer(): Promise<TestFtpServer> {
  const root = makeTempDir('ftp-srv-');
  const server = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    // ftp-srv tries the ports of this range in turn until one is free.
    pasv_min: 40_000,
    pasv_max: 49_999,
    anonymous: false,
    log: silentLog,
  });
  server.on('login', ({ username, password }, resolve, reject) => {
    if (username === FTP_USER && password === FTP_PASSWORD) resolve({ root });
    else reject(new Error('Wrong user or password'));
  });
  await server.listen();
  // The control server is not in ftp-srv's typings.
  const { port } = (server as unknown as { server: Server }).server.address() as AddressInfo;
  let closed: Promise<unknown> | undefined;
  const close = async () => {
    closed ??= server.close();
    await closed;
  };
  return {
    host: '127.0.0.1',
    port,
    root,
    close,
    async stop() {
      await close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
