import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import type { Schedule } from '../../../../src/contracts/schedules.dto.ts';
import { previewSchedule } from './batches-api.ts';

/** Waits until typing pauses, so the preview asks the server once per change, not per key. */
function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/** The next fire times of a schedule being edited (POST /schedule-preview); none for no schedule. */
export function useSchedulePreview(schedule: Schedule | null, timeZone: string) {
  const key = useDebounced(JSON.stringify({ schedule, timeZone }), 350);
  const parsed = JSON.parse(key) as { schedule: Schedule | null; timeZone: string };
  return useQuery({
    queryKey: ['schedule-preview', key],
    queryFn: ({ signal }) => previewSchedule(parsed.schedule!, parsed.timeZone, signal),
    enabled: parsed.schedule !== null && parsed.timeZone.trim() !== '',
    retry: false,
    staleTime: 30_000,
  });
}
