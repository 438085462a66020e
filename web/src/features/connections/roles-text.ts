/**
 * Connection roles in the form: `null` (everyone) is an empty field, `[]` (admins only) is a
 * checkbox, anything else a comma-separated list.
 */
export interface RolesInput {
  adminsOnly: boolean;
  text: string;
}

export function rolesToInput(roles: string[] | null): RolesInput {
  if (roles === null) return { adminsOnly: false, text: '' };
  return { adminsOnly: roles.length === 0, text: roles.join(', ') };
}

export function inputToRoles(input: RolesInput): string[] | null {
  if (input.adminsOnly) return [];
  const roles = [
    ...new Set(
      input.text
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean),
    ),
  ];
  return roles.length === 0 ? null : roles;
}

export function describeRoles(roles: string[] | null): string {
  if (roles === null) return 'Everyone';
  if (roles.length === 0) return 'Admins only';
  return roles.join(', ');
}
