import { UserError } from '../../errors/errors.ts';
import type { GeoserverClient } from './geoserver-client.ts';
import type { QualifiedRef } from './geoserver-names.ts';

/**
 * GeoServer's administrator role (the default role service's name for it). Administrators read
 * everything anyway, so a rule naming only them means "nobody else": geosync's empty role list.
 */
export const ADMIN_ROLE = 'ADMIN';

const RULES = '/security/acl/layers';

/** The data-access rule key of reading a layer: `ws.layer.r`. */
export const readRuleKey = (ref: QualifiedRef): string => `${ref.workspace}.${ref.name}.r`;

export async function readRules(client: GeoserverClient, signal: AbortSignal): Promise<Record<string, string>> {
  return (await client.getJson<Record<string, string>>(RULES, signal)) ?? {};
}

/** Deletes the layer's read rule, if any: removing a layer must not leave its roles to the next one of its name. */
export async function removeReadRule(client: GeoserverClient, ref: QualifiedRef, signal: AbortSignal): Promise<void> {
  await client.rest('DELETE', `${RULES}/${encodeURIComponent(readRuleKey(ref))}`, signal, { allow: [404] });
}

/** The roles of a rule value (`*` stays `*`; `ADMIN` alone is the empty list). */
export function rolesOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return roles.length === 1 && roles[0] === ADMIN_ROLE ? [] : roles;
}

/**
 * Sets who may read a layer with the rule `ws.layer.r` (undefined removes it). GeoServer adds
 * rules with POST (409 if one exists) and changes them with PUT (409 if one is missing), each
 * all or nothing, so the current rules are read first; a 409 from a concurrent change is
 * answered by the other verb.
 */
export async function setReadRoles(
  client: GeoserverClient,
  ref: QualifiedRef,
  roles: string[] | undefined,
  signal: AbortSignal,
): Promise<void> {
  const key = readRuleKey(ref);
  for (const role of roles ?? []) {
    if (!/^[^,\s]+$/.test(role)) {
      throw new UserError('invalid_roles', `'${role}' is not a valid GeoServer role name (no commas or spaces)`, {
        details: [{ field: 'roles', message: 'no commas or spaces' }],
      });
    }
  }
  const current = (await readRules(client, signal))[key];
  if (roles === undefined) {
    if (current !== undefined) {
      await client.rest('DELETE', `${RULES}/${encodeURIComponent(key)}`, signal, { allow: [404] });
    }
    return;
  }
  const value = roles.length === 0 ? ADMIN_ROLE : roles.join(',');
  if (current === value) return;
  const first = current === undefined ? 'POST' : 'PUT';
  const answer = await client.rest(first, RULES, signal, { json: { [key]: value }, allow: [409] });
  if (answer.status === 409) {
    await client.rest(first === 'POST' ? 'PUT' : 'POST', RULES, signal, { json: { [key]: value } });
  }
}
