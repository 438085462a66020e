import type { Kysely, Selectable } from 'kysely';

import type { ApiToken } from '../../contracts/users.dto.ts';
import { notFound } from '../../errors/errors.ts';
import { randomToken, sha256 } from '../../lib/random-token.ts';
import type { ApiTokensTable, Database } from '../../store/database.types.ts';
import { toIso, toIsoRequired } from '../page.ts';
import type { Principal } from '../security/principal.ts';

const TOKEN_PREFIX = 'gs_';

function toApiToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: toIsoRequired(row.created_at),
    lastUsedAt: toIso(row.last_used_at),
    expiresAt: toIso(row.expires_at),
    revoked: row.revoked_at !== null,
  };
}

export type TokensService = ReturnType<typeof createTokensService>;

/** API tokens belong to a user and act with that user's rights; stored hashed, shown once. */
export function createTokensService(db: Kysely<Database>) {
  return {
    async list(owner: Principal): Promise<ApiToken[]> {
      const rows = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_id', '=', owner.userId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toApiToken);
    },

    async create(owner: Principal, name: string, expiresInDays: number | null): Promise<ApiToken & { token: string }> {
      const token = randomToken(32, TOKEN_PREFIX);
      const row = await db
        .insertInto('api_tokens')
        .values({
          user_id: owner.userId,
          name,
          token_hash: sha256(token),
          prefix: token.slice(0, TOKEN_PREFIX.length + 4),
          expires_at: expiresInDays === null ? null : new Date(Date.now() + expiresInDays * 86_400_000),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ...toApiToken(row), token };
    },

    /** Revokes one of the caller's tokens (admins: anyone's). Kept for the record, unusable. */
    async revoke(by: Principal, id: string): Promise<void> {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: new Date() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .$if(!by.isAdmin, (q) => q.where('user_id', '=', by.userId))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound('API token', id);
    },
  };
}
