import type { Readable } from 'node:stream';

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

import { UserError } from '../../errors/errors.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';
import { type FileEntry, type FileService, fileNotFound, existsByStat } from '../file-service.ts';
import { isS3NotFound, s3Error } from './s3-errors.ts';
import { spool } from './s3-spool.ts';

/** S3 keeps no time for a "folder" (a shared key prefix): folders show the Unix epoch. */
const FOLDER_TIME = new Date(0);

const folderEntry = (relPath: string): FileEntry => ({
  path: relPath,
  size: 0,
  modified: FOLDER_TIME,
  isDirectory: true,
});

/** The key prefix of everything inside folder `rel` (`''` is the whole bucket). */
const prefixOf = (rel: string): string => (rel ? `${rel}/` : '');

function isAFolder(relPath: string): UserError {
  return new UserError('is_a_directory', `'${relPath}' is a folder, not a file`);
}

/**
 * One bucket as a FileService. S3 has no folders: a path is a key, and a folder is any prefix
 * ending in `/` that has keys under it. So folders appear when a file is written below them and
 * disappear with their last file. Keys are the normalized relative paths, so the bucket root is
 * the service's root and nothing can be addressed outside it.
 */
export class S3BucketService implements FileService {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  private fail(rel: string): (error: unknown) => never {
    return (error) => {
      throw s3Error(error, this.bucket, rel);
    };
  }

  /** One page of the listing under `prefix`, folders folded at the next `/`. */
  private listPage(prefix: string, token?: string, maxKeys?: number): Promise<ListObjectsV2CommandOutput> {
    const input = { Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token, MaxKeys: maxKeys };
    return this.client.send(new ListObjectsV2Command(input));
  }

  private async isFolder(rel: string): Promise<boolean> {
    if (rel === '') return true;
    const page = await this.listPage(prefixOf(rel), undefined, 1);
    // Not KeyCount: some S3-compatible servers leave the common prefixes out of it.
    return (page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0) > 0;
  }

  async list(dir = ''): Promise<FileEntry[]> {
    const rel = normalizeRelativePath(dir);
    const prefix = prefixOf(rel);
    const entries: FileEntry[] = [];
    const folders = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, token).catch(this.fail(rel));
      for (const object of page.Contents ?? []) {
        // A zero-byte `dir/` key is a folder marker some tools create, not a file.
        if (!object.Key || object.Key === prefix) continue;
        const size = object.Size ?? 0;
        entries.push({ path: object.Key, size, modified: object.LastModified ?? FOLDER_TIME, isDirectory: false });
      }
      for (const common of page.CommonPrefixes ?? []) {
        // Some servers repeat a common prefix on the next page; S3 itself does not.
        if (common.Prefix && !folders.has(common.Prefix)) entries.push(folderEntry(common.Prefix.slice(0, -1)));
        if (common.Prefix) folders.add(common.Prefix);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (entries.length === 0 && !(await this.isFolder(rel).catch(this.fail(rel)))) throw fileNotFound(rel);
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async stat(relPath: string): Promise<FileEntry> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') return folderEntry('');
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: rel }));
      return {
        path: rel,
        size: head.ContentLength ?? 0,
        modified: head.LastModified ?? FOLDER_TIME,
        isDirectory: false,
      };
    } catch (error) {
      if (!isS3NotFound(error)) throw s3Error(error, this.bucket, rel);
    }
    if (await this.isFolder(rel).catch(this.fail(rel))) return folderEntry(rel);
    throw fileNotFound(rel);
  }

  async read(relPath: string): Promise<Readable> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw isAFolder(rel);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: rel }));
      // In Node the SDK's body is an http.IncomingMessage, a Readable.
      return object.Body as Readable;
    } catch (error) {
      if (isS3NotFound(error) && (await this.isFolder(rel).catch(this.fail(rel)))) throw isAFolder(rel);
      throw s3Error(error, this.bucket, rel);
    }
  }

  /**
   * PutObject makes an object visible only once it is complete, which is the atomicity the
   * interface asks for. The body is spooled to a temporary file first because PutObject needs
   * its length (and a single PutObject is limited to 5 GB).
   */
  async write(relPath: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    // Refused as on a disk: a file and a folder of the same name would both show in list().
    if (rel === '' || (await this.isFolder(rel).catch(this.fail(rel)))) throw isAFolder(rel);
    const spooled = await spool(body, signal);
    try {
      const put = new PutObjectCommand({
        Bucket: this.bucket,
        Key: rel,
        Body: spooled.open(),
        ContentLength: spooled.size,
      });
      await this.client.send(put, { abortSignal: signal }).catch(this.fail(rel));
    } finally {
      await spooled.discard();
    }
  }

  /**
   * S3 has no rename: CopyObject, then DeleteObject. Not atomic: the target appears whole at
   * once (as with PutObject), but for a moment, or for good after a crash between the two
   * requests, both keys exist; repeating the rename then finishes it. A single CopyObject
   * handles objects up to 5 GB, which is also the most write() can store.
   */
  async rename(fromPath: string, toPath: string): Promise<void> {
    const from = normalizeRelativePath(fromPath);
    const to = normalizeRelativePath(toPath);
    if (to === '') throw isAFolder(to);
    // stat: file_not_found for a missing source, and tells a "folder" (key prefix) apart.
    if ((await this.stat(from)).isDirectory) throw isAFolder(from);
    if (from === to) return; // copying a key onto itself would fail, and the delete lose it
    if (await this.isFolder(to).catch(this.fail(to))) throw isAFolder(to);
    // CopySource is `bucket/key`, URL-encoded (each segment: the slashes stay).
    const source = `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    await this.client
      .send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: source }))
      .catch(this.fail(from));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: from })).catch(this.fail(from));
  }

  async remove(relPath: string): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw new UserError('cannot_remove_root', 'The root folder of a file service cannot be removed');
    // Deleting a missing key succeeds in S3, so both steps are idempotent.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: rel })).catch(this.fail(rel));
    await this.removePrefix(rel).catch(this.fail(rel));
  }

  /** Deletes every key under folder `rel`, a page (up to 1000 keys, one request) at a time. */
  private async removePrefix(rel: string): Promise<void> {
    for (;;) {
      // No delimiter: every key below, however deep. Always the first page: it shrinks as we go.
      const input = { Bucket: this.bucket, Prefix: prefixOf(rel) };
      const page = await this.client.send(new ListObjectsV2Command(input));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) return;
      const deleted = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
      );
      const failed = deleted.Errors?.[0];
      if (failed) {
        throw new UserError('file_access_denied', `Cannot remove '${failed.Key}' (${failed.Code}): ${failed.Message}`);
      }
    }
  }

  exists(relPath: string): Promise<boolean> {
    return existsByStat(this, relPath);
  }
}
