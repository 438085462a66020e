import { UserError } from '../../errors/errors.ts';
import { type ZipFile, zipFiles as writeZip } from '../../lib/zip/zip-writer.ts';

/**
 * GeoServer unpacks the archive into its data directory: a path that could leave the archive's
 * folder there (zip slip) is refused, whatever the caller checked before.
 */
const unsafeForGeoServer = (entry: string): UserError =>
  new UserError('unsafe_archive_path', `'${JSON.stringify(entry)}' cannot be a path in an archive sent to GeoServer`, {
    details: [{ field: 'source.files', message: `unsafe path ${JSON.stringify(entry)}` }],
  });

/**
 * The archives GeoServer's upload endpoints take (`application/zip`): app-schema mappings with
 * their included files, small text files built in memory by the generic writer (`lib/zip`).
 */
export function zipFiles(files: ReadonlyArray<ZipFile>): Buffer {
  return writeZip(files, { unsafePath: unsafeForGeoServer });
}
