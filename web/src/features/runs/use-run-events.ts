import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import type { Run } from '../../../../src/contracts/batches.dto.ts';
import { type RunLogLine, runKey, runsKey } from './runs-api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/**
 * Follows a run over Server-Sent Events (`GET /runs/:id/events`): each `run` event replaces the
 * cached run, `log` events add lines, `end` closes the stream. Starts once `open` is true (the run
 * is queued or running) and then keeps following until `end`, even after a `run` event says the run
 * ended: its last log lines come after that event. A reconnecting stream replays the whole log, so
 * lines are kept by their id.
 */
export function useRunEvents(id: string, open: boolean) {
  const queryClient = useQueryClient();
  const [following, setFollowing] = useState(false);
  const [state, setState] = useState<LiveState>('connecting');
  const [lines, setLines] = useState<RunLogLine[] | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (open) setFollowing(true);
  }, [open]);

  useEffect(() => {
    if (!following) return undefined;
    setState('connecting');
    setLines(null);
    const seen = new Set<number>();
    const source = new EventSource(`/api/v1/runs/${encodeURIComponent(id)}/events`);
    source.addEventListener('open', () => setState('live'));
    source.addEventListener('run', (event) => {
      queryClient.setQueryData(runKey(id), JSON.parse((event as MessageEvent<string>).data) as Run);
      // The stream sends the run before any log line: from here on, no line means an empty log.
      setLines((current) => current ?? []);
    });
    source.addEventListener('log', (event) => {
      const line = JSON.parse((event as MessageEvent<string>).data) as RunLogLine;
      if (line.id !== undefined) {
        if (seen.has(line.id)) return;
        seen.add(line.id);
      }
      setLines((current) => [...(current ?? []), line]);
    });
    source.addEventListener('end', () => {
      source.close();
      setState('ended');
      void queryClient.invalidateQueries({ queryKey: runsKey });
    });
    source.addEventListener('error', () => {
      // CONNECTING: the browser retries by itself; CLOSED: the server refused (ended session, gone run).
      if (source.readyState === EventSource.CLOSED) {
        setState('failed');
        void queryClient.invalidateQueries({ queryKey: runKey(id) });
      } else {
        setState('reconnecting');
      }
    });
    return () => source.close();
  }, [id, following, attempt, queryClient]);

  return { following, state, lines, retry: () => setAttempt((n) => n + 1) };
}
