import { UserError } from '../../errors/errors.ts';

/**
 * App-schema mapping templates (the Task Manager's PlaceHolderUtil): `${name}` is a connection
 * parameter of the task's database, `#{table}` a table of it (written unqualified, the staged
 * temporary name while an earlier task of the run stages it). Every occurrence is replaced: the
 * Task Manager replaced only the first `#{...}` of a file, a known bug.
 */
const TABLE = /#\{([^}]*)\}/g;
/** Both kinds in one pass: a value holding `#{...}` (a password may) is never expanded again. */
const PLACEHOLDER = /\$\{([^}]*)\}|#\{([^}]*)\}/g;

export const escapeXml = (value: string) =>
  value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');

export interface MappingFile {
  path: string;
  content: string;
}

/** The `#{...}` table names the files use, each once, in order of appearance. */
export function tablePlaceholders(files: readonly MappingFile[]): string[] {
  const names = new Set<string>();
  for (const file of files) for (const m of file.content.matchAll(TABLE)) names.add(m[1]!.trim());
  return [...names];
}

/**
 * The files with every placeholder filled. Values are XML-escaped (mapping files are XML: a
 * password with `&` or `<` must not break them). Placeholders naming no parameter fail with
 * `unknown_placeholder`, listing each once and the names available (never their values).
 */
export function fillMapping(
  files: readonly MappingFile[],
  parameters: Readonly<Record<string, string>>,
  tables: Readonly<Record<string, string>>,
): MappingFile[] {
  const unknown = new Set<string>();
  const filled = files.map((file) => ({
    path: file.path,
    content: file.content.replace(PLACEHOLDER, (whole, parameter?: string, table?: string) => {
      const value =
        parameter !== undefined
          ? Object.hasOwn(parameters, parameter)
            ? parameters[parameter]
            : undefined
          : Object.hasOwn(tables, table!.trim())
            ? tables[table!.trim()]
            : undefined;
      if (value === undefined) unknown.add(whole);
      return escapeXml(value ?? '');
    }),
  }));
  if (unknown.size > 0) {
    const list = [...unknown].join(', ');
    throw new UserError(
      'unknown_placeholder',
      `The mapping uses placeholders with no value: ${list}. Available: ${Object.keys(parameters)
        .map((k) => `\${${k}}`)
        .join(', ')}, and #{table} for a table of the database`,
      { details: [...unknown].map((p) => ({ field: 'file', message: `unknown placeholder ${p}` })) },
    );
  }
  return filled;
}
