import type { ReactNode } from 'react';

import { ConnectionsPage } from './features/connections/connections-page.tsx';
import { FilesPage } from './features/files/files-page.tsx';

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
  { path: '/templates', navLabel: 'Templates' },
  { path: '/configurations', navLabel: 'Configurations' },
  { path: '/batches', navLabel: 'Batches' },
  { path: '/runs', navLabel: 'Runs' },
  { path: '/uploads', navLabel: 'Uploads' },
  { path: '/sync', navLabel: 'Sync' },
];
