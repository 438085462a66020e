import type { Kysely, Selectable } from 'kysely';

import type { Page, PageQuery } from '../../contracts/common.dto.ts';
import type {
  Connection,
  ConnectionKind,
  ConnectionTestResult,
  UpdateConnection,
} from '../../contracts/connections.dto.ts';
import type { Connector, ConnectorDeps, ConnectorType } from '../../connectors/connector.ts';
import { conflict, notFound, UserError } from '../../errors/errors.ts';
import { invalidInput } from '../../errors/zod-details.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ConnectionsTable, Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';
import { pageOf, toIsoRequired } from '../page.ts';
import { canUseConnection } from '../security/permissions.ts';
import type { Principal } from '../security/principal.ts';
import { mergeSecrets, openSecrets, redact, sealSecrets, splitSecrets } from './connection-secrets.ts';

type Row = Selectable<ConnectionsTable>;

/** What the service needs of the connector registry. */
export interface ConnectorTypes {
  get(type: string): ConnectorType;
}

export interface ConnectionsServiceOptions {
  db: Kysely<Database>;
  types: ConnectorTypes;
  box: SecretBox;
  deps: ConnectorDeps;
  /** Longest a connection test may take. */
  testTimeoutMs?: number;
}

export interface NewConnection {
  name: string;
  type: string;
  description: string;
  config: Record<string, unknown>;
  roles: string[] | null;
}

export type ConnectionsService = ReturnType<typeof createConnectionsService>;

export function createConnectionsService(options: ConnectionsServiceOptions) {
  const { db, types, box } = options;

  function toConnection(row: Row): Connection {
    const type = types.get(row.type);
    const secret = openSecrets(box, row.secrets);
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      type: row.type,
      description: row.description,
      config: row.config,
      secrets: Object.fromEntries(type.secretFields.map((f) => [f, secret[f] !== undefined])),
      roles: row.roles,
      builtin: row.builtin,
      createdAt: toIsoRequired(row.created_at),
      updatedAt: toIsoRequired(row.updated_at),
    };
  }

  function validate(type: ConnectorType, config: Record<string, unknown>): Record<string, unknown> {
    const parsed = type.config.safeParse(config);
    if (!parsed.success) throw invalidInput(parsed.error, `settings for a ${type.type} connection`, 'config');
    return parsed.data;
  }

  async function findVisible(principal: Principal, id: string): Promise<Row> {
    const row = await db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !canUseConnection(principal, row.roles)) throw notFound('Connection', id);
    return row;
  }

  const nameTaken = (name: string) => conflict('connection_exists', `A connection of this kind named '${name}' exists`);

  return {
    async list(principal: Principal, query: PageQuery, kind?: ConnectionKind): Promise<Page<Connection>> {
      const rows = await db
        .selectFrom('connections')
        .selectAll()
        .$if(kind !== undefined, (q) => q.where('kind', '=', kind!))
        .orderBy('kind')
        .orderBy('name')
        .execute();
      const visible = rows.filter((r) => canUseConnection(principal, r.roles));
      return pageOf(visible.slice(query.offset, query.offset + query.limit).map(toConnection), visible.length, query);
    },

    async get(principal: Principal, id: string): Promise<Connection> {
      return toConnection(await findVisible(principal, id));
    },

    /** Finds by id, or by name (and kind, when two kinds share the name). */
    async resolve(principal: Principal, ref: string, kind?: ConnectionKind): Promise<Connection> {
      const rows = await db
        .selectFrom('connections')
        .selectAll()
        .where((eb) => (/^[0-9a-f-]{36}$/i.test(ref) ? eb('id', '=', ref) : eb('name', '=', ref)))
        .$if(kind !== undefined, (q) => q.where('kind', '=', kind!))
        .execute();
      const visible = rows.filter((r) => canUseConnection(principal, r.roles));
      if (visible.length === 0) throw notFound('Connection', ref);
      if (visible.length > 1) {
        const kinds = visible.map((r) => r.kind).join(', ');
        throw new UserError('ambiguous_connection', `Several connections are named '${ref}' (${kinds}); give the kind`);
      }
      return toConnection(visible[0]!);
    },

    /** Adds a connection; `builtin` only for geosync's own start-up. */
    async create(input: NewConnection, builtin = false): Promise<Connection> {
      const type = types.get(input.type);
      if (!type.userCreatable && !builtin) {
        throw new UserError('not_creatable', `Connections of type '${type.type}' are built in and cannot be added`, {
          details: [{ field: 'type', message: 'built-in type' }],
        });
      }
      const config = validate(type, input.config);
      const { plain, secret } = splitSecrets(config, type.secretFields);
      try {
        const row = await db
          .insertInto('connections')
          .values({
            name: input.name,
            kind: type.kind,
            type: type.type,
            description: input.description,
            config: JSON.stringify(plain),
            secrets: sealSecrets(box, secret),
            roles: input.roles,
            builtin,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toConnection(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(input.name);
        throw error;
      }
    },

    async update(principal: Principal, id: string, input: UpdateConnection): Promise<Connection> {
      const row = await findVisible(principal, id);
      if (row.builtin && (input.name !== undefined || input.config !== undefined)) {
        throw conflict('builtin_connection', `The built-in connection '${row.name}' keeps its name and settings`);
      }
      const type = types.get(row.type);
      const update = splitSecrets(input.config ?? {}, type.secretFields);
      const secret = mergeSecrets(openSecrets(box, row.secrets), update.secret);
      const plain = input.config === undefined ? row.config : update.plain;
      const config = validate(type, { ...plain, ...secret });
      const split = splitSecrets(config, type.secretFields);
      try {
        const updated = await db
          .updateTable('connections')
          .set({
            ...(input.name !== undefined && { name: input.name }),
            ...(input.description !== undefined && { description: input.description }),
            ...(input.roles !== undefined && { roles: input.roles }),
            config: JSON.stringify(split.plain),
            secrets: sealSecrets(box, split.secret),
            updated_at: new Date(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toConnection(updated);
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(input.name ?? row.name);
        throw error;
      }
    },

    async remove(principal: Principal, id: string): Promise<void> {
      const row = await findVisible(principal, id);
      if (row.builtin) throw conflict('builtin_connection', `The built-in connection '${row.name}' cannot be removed`);
      await db.deleteFrom('connections').where('id', '=', id).execute();
    },

    /** Opens the connector with its full settings (secrets included). Callers must close it. */
    async open(principal: Principal, id: string): Promise<{ connector: Connector; secrets: Record<string, unknown> }> {
      const row = await findVisible(principal, id);
      const type = types.get(row.type);
      const secrets = openSecrets(box, row.secrets);
      return { connector: type.create({ ...row.config, ...secrets }, options.deps), secrets };
    },

    /** Checks a connection; a failure is an answer (ok: false), never an exception. */
    async test(principal: Principal, id: string): Promise<ConnectionTestResult> {
      const started = performance.now();
      const { connector, secrets } = await this.open(principal, id);
      const signal = AbortSignal.timeout(options.testTimeoutMs ?? 15_000);
      try {
        const result = await connector.test(signal);
        return {
          ...result,
          message: redact(result.message, secrets),
          durationMs: Math.round(performance.now() - started),
        };
      } catch (error) {
        const message = signal.aborted ? 'The test timed out' : error instanceof Error ? error.message : String(error);
        return { ok: false, message: redact(message, secrets), durationMs: Math.round(performance.now() - started) };
      } finally {
        await connector.close().catch(() => undefined);
      }
    },
  };
}
