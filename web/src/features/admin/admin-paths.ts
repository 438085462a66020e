/** Addresses of the workspace pages (routes.tsx has the patterns). */
export const workspacesPath = '/admin/workspaces';
export const workspacePagePath = (id: string) => `${workspacesPath}/${encodeURIComponent(id)}`;
