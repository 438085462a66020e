import path from 'node:path';

import type { FileService } from '../../connectors/file-service.ts';
import { fileNotFound } from '../../connectors/file-service.ts';
import { UserError } from '../../errors/errors.ts';
import { latestVersion, versionPattern } from '../copy-file/file-versions.ts';
import type { MappingFile } from './mapping-template.ts';
import { readZip } from '../../lib/zip/zip-reader.ts';

/** Mapping files are small text files: a bigger archive is refused rather than read into memory. */
const MAX_BYTES = 20 * 1024 * 1024;

export interface MappingSource {
  /** The file read (the latest version of a `###` path). */
  file: string;
  mainFile: string;
  files: MappingFile[];
}

async function readAll(service: FileService, file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await service.read(file)) {
    size += (chunk as Buffer).length;
    if (size > MAX_BYTES) {
      throw new UserError('file_too_large', `'${file}' is larger than ${MAX_BYTES / 1024 / 1024} MB: not a mapping`, {
        details: [{ field: 'file', message: 'too large' }],
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The mapping of an app-schema publication: a `.xml` mapping file, or a `.zip` of mapping files
 * (and schemas) whose main file has the ZIP's base name (`roads.zip` → `roads.xml`), as the Task
 * Manager requires. A path with `###` (or `autoVersioned`: `.###` before the extension) reads its
 * latest version (CopyFile).
 */
export async function readMapping(service: FileService, file: string, autoVersioned = false): Promise<MappingSource> {
  let actual = file;
  const pattern = versionPattern(file, autoVersioned);
  if (pattern) {
    const latest = await latestVersion(service, pattern);
    if (!latest) throw fileNotFound(file);
    actual = latest.path;
  }
  const extension = path.posix.extname(actual).toLowerCase();
  if (extension === '.xml') {
    const name = path.posix.basename(actual);
    const main = { path: name, content: (await readAll(service, actual)).toString('utf8') };
    assertNoDoctype(main, actual);
    return { file: actual, mainFile: name, files: [main] };
  }
  if (extension !== '.zip') {
    throw new UserError(
      'invalid_mapping_file',
      `'${file}' is neither an app-schema mapping (.xml) nor a ZIP of mappings`,
      {
        details: [{ field: 'file', message: 'must end with .xml or .zip' }],
      },
    );
  }
  const entries = readZip(await readAll(service, actual), actual);
  const mainFile = `${path.posix.basename(actual, path.posix.extname(actual))}.xml`;
  if (!entries.some((e) => e.path === mainFile)) {
    throw new UserError(
      'main_mapping_missing',
      `The ZIP '${actual}' has no main mapping '${mainFile}' (its files: ${entries.map((e) => e.path).join(', ') || 'none'}): the main mapping file must have the ZIP's name`,
      { details: [{ field: 'file', message: `no ${mainFile} in the ZIP` }] },
    );
  }
  const files = entries.map((e) => ({ path: e.path, content: e.content.toString('utf8') }));
  for (const f of files) assertNoDoctype(f, actual);
  return { file: actual, mainFile, files };
}

/**
 * geosync parses only the main mapping (its parser refuses DOCTYPE); the included files go to the
 * map server unread, whose XML parser may resolve external entities (XXE on its host): refused.
 */
function assertNoDoctype(file: MappingFile, archive: string): void {
  if (!/<!(DOCTYPE|ENTITY)/i.test(file.content)) return;
  throw new UserError(
    'invalid_mapping_file',
    `'${file.path}' of '${archive}' declares a DOCTYPE or entities, which mappings may not (they could make the map server read other files)`,
    { details: [{ field: 'file', message: `DOCTYPE in ${file.path}` }] },
  );
}
