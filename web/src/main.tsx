import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { ApiError } from './api-client.ts';
import { App } from './app.tsx';
import { endSession, sessionQueryKey } from './features/auth/use-session.ts';
import './styles.css';

// A 401 from any request means the session ended (expired, logged out elsewhere): show login.
function onApiError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401 && queryClient.getQueryData(sessionQueryKey)) {
    endSession(queryClient);
  }
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // Client errors will not fix themselves; only network trouble and 5xx are worth retrying.
      retry: (failureCount, error) =>
        failureCount < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    },
  },
});

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
