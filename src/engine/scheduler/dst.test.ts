// DST days. Europe/Brussels 2027: 28 March 02:00 CET -> 03:00 CEST (01:00Z), 31 October
// 03:00 CEST -> 02:00 CET (01:00Z). America/New_York 2027: 14 March 02:00 EST -> 03:00 EDT
// (07:00Z), 7 November 02:00 EDT -> 01:00 EST (06:00Z). Expected instants are in UTC with the
// local time beside them. Rules (docs/schedules.md): a fixed time in the gap runs at the first
// instant after it, a repeated fixed time runs once (first occurrence); interval schedules
// (* or / in seconds, minutes or hours) follow real time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Schedule } from '../../contracts/schedules.dto.ts';
import { nextFireTimes } from './schedule.ts';

const cron = (expression: string): Schedule => ({ kind: 'cron', expression });
const fires = (schedule: Schedule, zone: string, from: string, count: number): string[] =>
  nextFireTimes(schedule, zone, new Date(from), count).map((d) => d.toISOString());
const BRUSSELS = 'Europe/Brussels';
const NEW_YORK = 'America/New_York';

describe('Europe/Brussels, spring forward (02:00-02:59 does not exist)', () => {
  test('daily 02:30 runs at 03:00 CEST that day, then 02:30 again', () => {
    assert.deepEqual(fires({ kind: 'daily', time: '02:30' }, BRUSSELS, '2027-03-27T12:00:00Z', 2), [
      '2027-03-28T01:00:00.000Z', // 03:00 CEST
      '2027-03-29T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  test('several fixed times in the gap collapse into one run at 03:00', () => {
    assert.deepEqual(fires(cron('0 0,30 2 * * ?'), BRUSSELS, '2027-03-27T12:00:00Z', 3), [
      '2027-03-28T01:00:00.000Z', // 03:00 CEST, once for 02:00 and 02:30
      '2027-03-29T00:00:00.000Z', // 02:00 CEST
      '2027-03-29T00:30:00.000Z',
    ]);
  });

  test('an hour range is fixed-time too: 02:00 and 03:00 give one run at 03:00', () => {
    assert.deepEqual(fires(cron('0 0 1-3 * * ?'), BRUSSELS, '2027-03-27T12:00:00Z', 3), [
      '2027-03-28T00:00:00.000Z', // 01:00 CET
      '2027-03-28T01:00:00.000Z', // 03:00 CEST
      '2027-03-28T23:00:00.000Z', // 01:00 CEST on the 29th
    ]);
  });

  test('every 30 minutes keeps real 30-minute steps across the gap', () => {
    assert.deepEqual(fires(cron('0 */30 * * * ?'), BRUSSELS, '2027-03-28T00:15:00Z', 3), [
      '2027-03-28T00:30:00.000Z', // 01:30 CET
      '2027-03-28T01:00:00.000Z', // 03:00 CEST
      '2027-03-28T01:30:00.000Z', // 03:30 CEST
    ]);
  });

  test('last Sunday of March (the DST day itself) at 02:30', () => {
    assert.deepEqual(fires(cron('0 30 2 ? 3 1L'), BRUSSELS, '2027-01-01T00:00:00Z', 2), [
      '2027-03-28T01:00:00.000Z', // 03:00 CEST
      '2028-03-26T01:00:00.000Z', // 03:00 CEST: the last Sunday of March is always the DST day
    ]);
  });
});

describe('Europe/Brussels, fall back (02:00-02:59 happens twice)', () => {
  test('daily 02:30 runs once, at the first 02:30 (CEST)', () => {
    assert.deepEqual(fires({ kind: 'daily', time: '02:30' }, BRUSSELS, '2027-10-30T12:00:00Z', 2), [
      '2027-10-31T00:30:00.000Z', // 02:30 CEST
      '2027-11-01T01:30:00.000Z', // 02:30 CET
    ]);
  });

  test('from between the two 02:30s, the second one is not a fire', () => {
    assert.deepEqual(fires(cron('0 30 2 * * ?'), BRUSSELS, '2027-10-31T00:45:00Z', 1), ['2027-11-01T01:30:00.000Z']);
  });

  test('monthly on the last day (31 October) at 02:30: once', () => {
    assert.deepEqual(fires({ kind: 'monthly', day: 'L', time: '02:30' }, BRUSSELS, '2027-10-01T00:00:00Z', 2), [
      '2027-10-31T00:30:00.000Z',
      '2027-11-30T01:30:00.000Z',
    ]);
  });

  test('every 30 minutes runs in both copies of the hour', () => {
    assert.deepEqual(fires(cron('0 */30 * * * ?'), BRUSSELS, '2027-10-30T23:45:00Z', 5), [
      '2027-10-31T00:00:00.000Z', // 02:00 CEST
      '2027-10-31T00:30:00.000Z', // 02:30 CEST
      '2027-10-31T01:00:00.000Z', // 02:00 CET
      '2027-10-31T01:30:00.000Z', // 02:30 CET
      '2027-10-31T02:00:00.000Z', // 03:00 CET
    ]);
  });

  test('a fixed hour range runs once per wall-clock hour', () => {
    assert.deepEqual(fires(cron('0 0 1-3 * * ?'), BRUSSELS, '2027-10-30T12:00:00Z', 4), [
      '2027-10-30T23:00:00.000Z', // 01:00 CEST
      '2027-10-31T00:00:00.000Z', // 02:00 CEST (not again at 02:00 CET)
      '2027-10-31T02:00:00.000Z', // 03:00 CET
      '2027-11-01T00:00:00.000Z', // 01:00 CET
    ]);
  });
});

describe('America/New_York', () => {
  test('spring: 02:30 runs at 03:00 EDT', () => {
    assert.deepEqual(fires(cron('0 30 2 * * ?'), NEW_YORK, '2027-03-13T12:00:00Z', 2), [
      '2027-03-14T07:00:00.000Z', // 03:00 EDT
      '2027-03-15T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  test('spring: weekly Sunday 02:30 (the DST Sunday) runs at 03:00 EDT', () => {
    assert.deepEqual(fires({ kind: 'weekly', day: 'SUN', time: '02:30' }, NEW_YORK, '2027-03-08T00:00:00Z', 2), [
      '2027-03-14T07:00:00.000Z',
      '2027-03-21T06:30:00.000Z',
    ]);
  });

  test('fall: 01:30 runs once, at 01:30 EDT', () => {
    assert.deepEqual(fires(cron('0 30 1 * * ?'), NEW_YORK, '2027-11-06T12:00:00Z', 2), [
      '2027-11-07T05:30:00.000Z', // 01:30 EDT
      '2027-11-08T06:30:00.000Z', // 01:30 EST
    ]);
  });

  test('fall: hourly runs every real hour, 01:00 twice', () => {
    assert.deepEqual(fires(cron('0 0 * * * ?'), NEW_YORK, '2027-11-07T04:30:00Z', 3), [
      '2027-11-07T05:00:00.000Z', // 01:00 EDT
      '2027-11-07T06:00:00.000Z', // 01:00 EST
      '2027-11-07T07:00:00.000Z', // 02:00 EST
    ]);
  });

  test('a time zone changes the instant, not the wall-clock time', () => {
    const daily: Schedule = { kind: 'daily', time: '06:00' };
    assert.deepEqual(fires(daily, NEW_YORK, '2027-01-01T00:00:00Z', 1), ['2027-01-01T11:00:00.000Z']);
    assert.deepEqual(fires(daily, NEW_YORK, '2027-07-01T00:00:00Z', 1), ['2027-07-01T10:00:00.000Z']);
    assert.deepEqual(fires(daily, BRUSSELS, '2027-01-01T00:00:00Z', 1), ['2027-01-01T05:00:00.000Z']);
  });
});
