import type { ColumnDescription, IndexDescription, TableDescription } from '../../connectors/database.ts';
import { type QualifiedName, quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';
import { quoteLiteral, type StagedRelation, truncateIdentifier } from '../sql/staging.ts';

/** The column CopyTable adds as primary key when the source has none (a view), as in the Task Manager. */
export const GENERATED_ID = 'generated_id';

/** The statements that build the staged copy of a table, before and after its rows are loaded. */
export interface TargetPlan {
  /** `CREATE TABLE`: columns, types, NOT NULL, defaults (no keys or indexes: those are faster after the load). */
  create: string;
  /**
   * Index builds after the load (the primary key's unique index first). They take only SHARE
   * locks, so several may run at once on separate connections.
   */
  indexes: string[];
  /** Then, in order: the primary key over its index, comments, ANALYZE. */
  finish: string[];
  /** The columns rows are copied into, in source order (`generated_id` fills itself). */
  columns: ColumnDescription[];
  /** Index and constraint names to take on commit. */
  renames: NonNullable<StagedRelation['renames']>;
}

const isSpatial = (column: ColumnDescription) => /^(geometry|geography)\b/i.test(column.pgType);

/** A default expression from another system is only kept when the target can evaluate it alone. */
function columnDefinition(column: ColumnDescription): string {
  const parts = [quoteIdent(column.name), column.pgType];
  if (!column.nullable) parts.push('NOT NULL');
  if (column.default !== undefined && !column.rawGeometry) parts.push(`DEFAULT ${column.default}`);
  return parts.join(' ');
}

/** The ways `pg_get_indexdef` may have written a name: bare when it needs no quotes, or quoted. */
function renderings(name: string): string[] {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? [name, quoteIdent(name)] : [quoteIdent(name)];
}

/**
 * What follows `USING ` in a PostgreSQL source's index definition (method, keys with their
 * operator classes and order, WHERE of a partial index), found only after the exact head
 * `CREATE [UNIQUE] INDEX <name> ON [ONLY] <schema>.<table> USING <method> `: a head that cannot
 * be matched (a name that PostgreSQL quoted otherwise) gives undefined, never a guess, because
 * a name may itself contain ` USING `.
 */
export function indexDefinitionTail(index: IndexDescription, table: QualifiedName): string | undefined {
  const definition = index.definition;
  if (!definition) return undefined;
  const create = `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX `;
  for (const name of renderings(index.name)) {
    for (const only of ['', 'ONLY ']) {
      for (const schema of renderings(table.schema)) {
        for (const relation of renderings(table.name)) {
          const head = `${create}${name} ON ${only}${schema}.${relation} USING `;
          if (definition.startsWith(head) && definition.startsWith(`${index.method} `, head.length)) {
            return definition.slice(head.length);
          }
        }
      }
    }
  }
  return undefined;
}

/** The index for the staged table: a PostgreSQL source's own definition when it can be read safely. */
function indexStatement(index: IndexDescription, name: string, table: string, source?: QualifiedName): string {
  const head = `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(name)} ON ${table} USING `;
  const tail = source && indexDefinitionTail(index, source);
  if (tail) return head + tail;
  const method = /^[a-z][a-z0-9_]*$/.test(index.method) ? index.method : 'btree';
  return `${head}${method} (${index.columns.map(quoteIdent).join(', ')})`;
}

/**
 * `<table><suffix>` within PostgreSQL's 63 bytes, cutting the table part rather than the
 * suffix: a long table name must not make its index names collide with it or each other.
 */
function suffixed(table: string, suffix: string): string {
  let base = table;
  while (base.length > 0 && Buffer.byteLength(base + suffix) > 63) base = base.slice(0, -1);
  return truncateIdentifier(base + suffix);
}

/** The final name of a copied index: the source's, re-prefixed when the table is renamed. */
function finalIndexName(index: IndexDescription, sourceTable: string, final: string): string {
  // Index names are per table in MySQL and SQLite but share the schema with tables in PostgreSQL.
  if (sourceTable === final && index.definition) return index.name;
  if (index.name.startsWith(final) && index.name !== final) return truncateIdentifier(index.name);
  if (!index.name.startsWith(sourceTable)) return suffixed(final, `_${index.name}`);
  // An index named like its table would collide with the table itself in PostgreSQL.
  return suffixed(final, index.name.slice(sourceTable.length) || '_idx');
}

export function planTarget(
  source: TableDescription,
  sourceTable: string,
  target: QualifiedName & { temp: string },
  /** A PostgreSQL source's qualified table, to read its index definitions. */
  sourceQualified?: QualifiedName,
): TargetPlan {
  const table = quoteQualified({ schema: target.schema, name: target.temp });
  // Temporary index names share the table's random part, so they never collide with the live ones.
  const tempPrefix = target.temp.slice(0, '_temp_'.length + 8);
  const renames: TargetPlan['renames'] = [];
  const columns = source.columns;
  const definitions = columns.map(columnDefinition);
  let primaryKey = source.primaryKey;
  if (primaryKey.length === 0) {
    if (columns.some((c) => c.name === GENERATED_ID)) primaryKey = [GENERATED_ID];
    else {
      definitions.unshift(`${quoteIdent(GENERATED_ID)} bigint GENERATED BY DEFAULT AS IDENTITY`);
      primaryKey = [GENERATED_ID];
    }
  }
  const indexes: string[] = [];
  const finish: string[] = [];
  // ADD PRIMARY KEY would build its index under an exclusive lock, alone; a unique index built
  // beside the others and then promoted costs the same and runs in parallel with them.
  const pkTemp = `${tempPrefix}_pkey`;
  indexes.push(`CREATE UNIQUE INDEX ${quoteIdent(pkTemp)} ON ${table} (${primaryKey.map(quoteIdent).join(', ')})`);
  finish.push(
    `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(pkTemp)} PRIMARY KEY USING INDEX ${quoteIdent(pkTemp)}`,
  );
  renames.push({ from: pkTemp, to: suffixed(target.name, '_pkey'), what: 'index' });

  source.indexes.forEach((index, i) => {
    const temp = `${tempPrefix}_i${i}`;
    indexes.push(indexStatement(index, temp, table, sourceQualified));
    renames.push({ from: temp, to: finalIndexName(index, sourceTable, target.name), what: 'index' });
  });
  const indexed = new Set(source.indexes.filter((i) => i.method === 'gist').map((i) => i.columns[0]));
  columns
    .filter((c) => isSpatial(c) && !indexed.has(c.name))
    .forEach((column, i) => {
      const temp = `${tempPrefix}_g${i}`;
      indexes.push(`CREATE INDEX ${quoteIdent(temp)} ON ${table} USING gist (${quoteIdent(column.name)})`);
      renames.push({ from: temp, to: suffixed(target.name, `_${column.name}_gist`), what: 'index' });
    });

  if (source.comment) finish.push(`COMMENT ON TABLE ${table} IS ${quoteLiteral(source.comment)}`);
  for (const column of columns) {
    if (column.comment) {
      finish.push(`COMMENT ON COLUMN ${table}.${quoteIdent(column.name)} IS ${quoteLiteral(column.comment)}`);
    }
  }
  finish.push(`ANALYZE ${table}`);
  return { create: `CREATE TABLE ${table} (${definitions.join(', ')})`, indexes, finish, columns, renames };
}
