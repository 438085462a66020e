/**
 * Fires missed while geosync was down. Quartz's cron "smart policy" fires a misfired trigger once
 * as soon as the scheduler is back; `run_once` does the same, `skip` waits for the next fire.
 */
import type { Cron } from 'croner';

import type { MisfirePolicy, Schedule } from '../../contracts/schedules.dto.ts';
import { UnexpectedError } from '../../errors/errors.ts';
import { assertDate, compileSchedule } from './cron.ts';

/** Enough for any DST quirk between croner's backward and forward search; see latestFire. */
const MAX_STEPS = 10_000;

/**
 * The fires of `schedule` in (lastFire, now] that never ran, by `policy`: `run_once` → the latest
 * of them only (one catch-up run, however long geosync was down), `skip` → none. Never more than
 * one. A fire exactly at `now` counts as missed, so together with `nextFireTimes(…, now)` (fires
 * after now) every fire time is handled once. `lastFire` null means the schedule never fired:
 * nothing is missed, a new schedule does not fire for the past. Throws invalid_schedule.
 */
export function missedFires(
  schedule: Schedule,
  timeZone: string,
  lastFire: Date | null,
  now: Date,
  policy: MisfirePolicy,
): Date[] {
  assertDate(now, 'now');
  if (lastFire !== null) assertDate(lastFire, 'lastFire');
  const cron = compileSchedule(schedule, timeZone);
  switch (policy) {
    case 'skip':
      return [];
    case 'run_once': {
      if (lastFire === null || lastFire.getTime() >= now.getTime()) return [];
      const latest = latestFire(cron, now);
      return latest && latest.getTime() > lastFire.getTime() ? [latest] : [];
    }
    default:
      throw new UnexpectedError('unknown_misfire_policy', `Unknown misfire policy '${String(policy satisfies never)}'`);
  }
}

/**
 * The latest fire at or before `now`, as the forward search (nextFireTimes) defines fires.
 * croner's backward search finds it quickly but, on DST days, may return an instant the forward
 * search does not fire at (the second 02:30 of a fixed-time job, or a time in the gap). So each
 * backward candidate is checked forward, and we walk forward from the first real fire found.
 */
function latestFire(cron: Cron, now: Date): Date | null {
  const end = Math.floor(now.getTime() / 1000) * 1000;
  // previousRuns includes a run earlier in the same second as its reference: so this finds fires <= end.
  let reference = new Date(end + 1);
  for (let attempt = 0; attempt < 8; attempt++) {
    const candidate = cron.previousRuns(1, reference)[0];
    if (!candidate) return null;
    const fire = cron.nextRun(new Date(candidate.getTime() - 1000));
    if (fire && fire.getTime() <= end) return walkForward(cron, fire, end);
    reference = candidate;
  }
  return null;
}

function walkForward(cron: Cron, fire: Date, end: number): Date {
  let latest = fire;
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = cron.nextRun(latest);
    if (!next || next.getTime() > end) return latest;
    latest = next;
  }
  return latest;
}
