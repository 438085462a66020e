import argon2 from 'argon2';

import { UserError } from '../../errors/errors.ts';

export const MIN_PASSWORD_LENGTH = 8;

export function assertPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > 1000) {
    throw new UserError('weak_password', `A password needs ${MIN_PASSWORD_LENGTH} to 1000 characters`, {
      details: [{ field: 'password', message: `at least ${MIN_PASSWORD_LENGTH} characters` }],
    });
  }
}

/** argon2id with the library's defaults (64 MiB, 3 passes): about 50 ms here. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so timing does not reveal user names. */
export const dummyHashPromise: Promise<string> = hashPassword('geosync-dummy-password');
