import type { ReactNode } from 'react';

import { BatchPage } from './features/batches/batch-page.tsx';
import { BatchesPage } from './features/batches/batches-page.tsx';
import { ConfigurationEditorPage } from './features/configurations/configuration-editor-page.tsx';
import { ConfigurationsPage } from './features/configurations/configurations-page.tsx';
import { NewConfigurationPage } from './features/configurations/new-configuration-page.tsx';
import { ConnectionsPage } from './features/connections/connections-page.tsx';
import { FilesPage } from './features/files/files-page.tsx';
import { RunPage } from './features/runs/run-page.tsx';
import { RunsPage } from './features/runs/runs-page.tsx';

export interface AppRoute {
  /** Pattern matched on location.pathname; `:name` segments become params. */
  path: string;
  /** Shown in the left navigation when set. */
  navLabel?: string;
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
  { path: '/runs/:id', page: (params) => <RunPage key={params.id} id={params.id ?? ''} /> },
  { path: '/uploads', navLabel: 'Uploads' },
  { path: '/sync', navLabel: 'Sync' },
];
