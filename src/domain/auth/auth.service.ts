import type { Kysely } from 'kysely';

import type { CurrentUser } from '../../contracts/auth.dto.ts';
import { UserError } from '../../errors/errors.ts';
import { randomToken, sha256 } from '../../lib/random-token.ts';
import type { Database } from '../../store/database.types.ts';
import type { LoginLimiter } from '../security/login-limiter.ts';
import { dummyHashPromise, verifyPassword } from '../security/passwords.ts';
import type { Principal } from '../security/principal.ts';
import type { UsersService } from '../users/users.service.ts';

export interface AuthServiceOptions {
  sessionHours: number;
  limiter: LoginLimiter;
}

export interface NewSession {
  /** Goes into the HttpOnly cookie; stored only as a hash. */
  sessionId: string;
  csrfToken: string;
  principal: Principal;
  expiresAt: Date;
}

export const toCurrentUser = (p: Principal): CurrentUser => ({
  id: p.userId,
  username: p.username,
  displayName: p.displayName,
  roles: p.roles,
  isAdmin: p.isAdmin,
});

const badCredentials = () => new UserError('bad_credentials', 'Wrong user name or password', { status: 401 });

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(db: Kysely<Database>, users: UsersService, options: AuthServiceOptions) {
  /** Checks a user name and password; rate-limited per user name and address. */
  async function checkCredentials(username: string, password: string, address: string): Promise<Principal> {
    const wait = options.limiter.retryAfterSeconds(username, address);
    if (wait > 0) {
      throw new UserError('too_many_attempts', `Too many failed logins; try again in ${wait} s`, {
        status: 429,
        details: [{ message: `retry after ${wait} s` }],
      });
    }
    const row = await users.findByUsername(username);
    // Verify against a dummy hash for unknown users so the answer time does not reveal them.
    const ok = await verifyPassword(row?.password_hash ?? (await dummyHashPromise), password);
    const principal = ok && row && !row.disabled ? await users.principalFor(row.id, 'session') : null;
    if (!principal) {
      options.limiter.fail(username, address);
      throw badCredentials();
    }
    options.limiter.succeed(username, address);
    return principal;
  }

  return {
    checkCredentials,

    async login(username: string, password: string, address: string): Promise<NewSession> {
      const principal = await checkCredentials(username, password, address);
      const sessionId = randomToken(32);
      const csrfToken = randomToken(24);
      const expiresAt = new Date(Date.now() + options.sessionHours * 3_600_000);
      await db
        .insertInto('sessions')
        .values({ id_hash: sha256(sessionId), user_id: principal.userId, csrf_token: csrfToken, expires_at: expiresAt })
        .execute();
      return { sessionId, csrfToken, principal, expiresAt };
    },

    /** The session's principal and CSRF token, or null when unknown or expired. */
    async fromSession(sessionId: string): Promise<{ principal: Principal; csrfToken: string } | null> {
      const row = await db
        .selectFrom('sessions')
        .select(['user_id', 'csrf_token', 'expires_at'])
        .where('id_hash', '=', sha256(sessionId))
        .executeTakeFirst();
      if (!row || new Date(row.expires_at) <= new Date()) return null;
      const principal = await users.principalFor(row.user_id, 'session');
      return principal ? { principal, csrfToken: row.csrf_token } : null;
    },

    async logout(sessionId: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', sha256(sessionId)).execute();
    },

    async fromToken(token: string): Promise<Principal | null> {
      const row = await db
        .selectFrom('api_tokens')
        .select(['id', 'user_id', 'expires_at', 'revoked_at', 'last_used_at'])
        .where('token_hash', '=', sha256(token))
        .executeTakeFirst();
      if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at) <= new Date())) return null;
      // Record use at most once a minute: a busy script must not write on every request.
      if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
        await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
      }
      return users.principalFor(row.user_id, 'token');
    },

    async purgeExpiredSessions(): Promise<number> {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', new Date()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
