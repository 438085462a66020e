import type { Workspace } from '../../../../src/contracts/workspaces.dto.ts';

export type WorkspaceLevel = Workspace['myLevel'];

export const workspaceLevels: readonly WorkspaceLevel[] = ['read', 'write', 'admin'];

/** What each level allows, in the API's terms (see docs/web-ui.md, Administration). */
export const levelMeaning: Record<WorkspaceLevel, string> = {
  read: 'read: sees its configurations, batches and runs',
  write: 'write: also runs batches and interrupts runs',
  admin: 'admin: also creates and changes configurations and batches, and manages these grants',
};
