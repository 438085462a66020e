import type { ConnectionKind } from '../../../../src/contracts/connections.dto.ts';

/** Typed as a full Record so a kind added to the contract fails the web typecheck until named here. */
export const kindLabels: Record<ConnectionKind, string> = {
  database: 'Database',
  file_service: 'File service',
  map_server: 'Map server',
  peer: 'Peer',
};

export const kindPluralLabels: Record<ConnectionKind, string> = {
  database: 'databases',
  file_service: 'file services',
  map_server: 'map servers',
  peer: 'peers',
};

/** "Databases", as a heading or filter option. */
export function kindPluralTitle(kind: ConnectionKind): string {
  const plural = kindPluralLabels[kind];
  return plural.charAt(0).toUpperCase() + plural.slice(1);
}

export const connectionKindList = Object.keys(kindLabels) as ConnectionKind[];

export function isConnectionKind(value: string): value is ConnectionKind {
  return Object.hasOwn(kindLabels, value);
}
