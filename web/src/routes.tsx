import type { ReactNode } from 'react';

import { RolesPage } from './features/admin/roles-page.tsx';
import { TokensPage } from './features/admin/tokens-page.tsx';
import { UsersPage } from './features/admin/users-page.tsx';
import { WorkspacePage } from './features/admin/workspace-page.tsx';
import { WorkspacesPage } from './features/admin/workspaces-page.tsx';
import { BatchPage } from './features/batches/batch-page.tsx';
import { BatchesPage } from './features/batches/batches-page.tsx';
import { BulkPage } from './features/bulk/bulk-page.tsx';
import { ConfigurationEditorPage } from './features/configurations/configuration-editor-page.tsx';
import { ConfigurationsPage } from './features/configurations/configurations-page.tsx';
import { NewConfigurationPage } from './features/configurations/new-configuration-page.tsx';
import { ConnectionsPage } from './features/connections/connections-page.tsx';
import { FilesPage } from './features/files/files-page.tsx';
import { LayerPage } from './features/layers/layer-page.tsx';
import { LayersPage } from './features/layers/layers-page.tsx';
import { RunPage } from './features/runs/run-page.tsx';
import { RunsPage } from './features/runs/runs-page.tsx';

export interface AppRoute {
  /** Pattern matched on location.pathname; `:name` segments become params. */
  path: string;
  /** Shown in the left navigation when set. */
  navLabel?: string;
  /** Listed in the navigation for administrators only (the page itself also says so to others). */
  adminOnly?: boolean;
  /** Omitted for pages still to come: the navigation shows them disabled. */
  page?: (params: Record<string, string>) => ReactNode;
}

/** Every page of the app. A new page is one more entry here. */
export const routes: AppRoute[] = [
  { path: '/connections', navLabel: 'Connections', page: () => <ConnectionsPage /> },
  { path: '/connections/:id/files', page: (params) => <FilesPage connectionId={params.id ?? ''} /> },
  { path: '/templates', navLabel: 'Templates', page: () => <ConfigurationsPage key="templates" template /> },
  { path: '/templates/new', page: () => <NewConfigurationPage key="new-template" template /> },
  {
    path: '/templates/:id',
    page: (params) => <ConfigurationEditorPage key={params.id} id={params.id ?? ''} template />,
  },
  {
    path: '/configurations',
    navLabel: 'Configurations',
    page: () => <ConfigurationsPage key="configurations" template={false} />,
  },
  { path: '/configurations/new', page: () => <NewConfigurationPage key="new-configuration" template={false} /> },
  {
    path: '/configurations/:id',
    page: (params) => <ConfigurationEditorPage key={params.id} id={params.id ?? ''} template={false} />,
  },
  { path: '/batches', navLabel: 'Batches', page: () => <BatchesPage /> },
  { path: '/batches/:id', page: (params) => <BatchPage key={params.id} id={params.id ?? ''} /> },
  { path: '/runs', navLabel: 'Runs', page: () => <RunsPage /> },
  { path: '/bulk', navLabel: 'Bulk operations', page: () => <BulkPage /> },
  { path: '/runs/:id', page: (params) => <RunPage key={params.id} id={params.id ?? ''} /> },
  { path: '/layers', navLabel: 'Layers', page: () => <LayersPage /> },
  { path: '/layers/:layer', page: (params) => <LayerPage key={params.layer} name={params.layer ?? ''} /> },
  {
    path: '/layers/:workspace/:layer',
    page: (params) => (
      <LayerPage
        key={`${params.workspace}/${params.layer}`}
        workspace={params.workspace ?? ''}
        name={params.layer ?? ''}
      />
    ),
  },
  { path: '/uploads', navLabel: 'Uploads' },
  { path: '/sync', navLabel: 'Sync' },
  { path: '/admin/users', navLabel: 'Users', adminOnly: true, page: () => <UsersPage /> },
  { path: '/admin/roles', navLabel: 'Roles', adminOnly: true, page: () => <RolesPage /> },
  { path: '/admin/workspaces', navLabel: 'Workspaces', adminOnly: true, page: () => <WorkspacesPage /> },
  { path: '/admin/workspaces/:id', page: (params) => <WorkspacePage key={params.id} id={params.id ?? ''} /> },
  { path: '/account/tokens', navLabel: 'API tokens', page: () => <TokensPage /> },
];
