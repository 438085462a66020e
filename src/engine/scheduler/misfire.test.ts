import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Schedule } from '../../contracts/schedules.dto.ts';
import { UnexpectedError } from '../../errors/errors.ts';
import { missedFires, nextFireTimes } from './schedule.ts';

const BRUSSELS = 'Europe/Brussels';
const daily0230: Schedule = { kind: 'daily', time: '02:30' }; // 01:30Z in winter, 00:30Z in summer
const cron = (expression: string): Schedule => ({ kind: 'cron', expression });
const at = (iso: string): Date => new Date(iso);
const iso = (dates: Date[]): string[] => dates.map((d) => d.toISOString());

describe('missedFires', () => {
  test('run_once: after five missed days, only the latest fire, once', () => {
    const missed = missedFires(daily0230, BRUSSELS, at('2027-01-05T01:30:00Z'), at('2027-01-10T05:00:00Z'), 'run_once');
    assert.deepEqual(iso(missed), ['2027-01-10T01:30:00.000Z']);
  });

  test('skip: nothing, however much was missed', () => {
    assert.deepEqual(
      missedFires(daily0230, BRUSSELS, at('2026-01-01T00:00:00Z'), at('2027-01-10T05:00:00Z'), 'skip'),
      [],
    );
  });

  test('nothing missed: the last fire is the latest one before now', () => {
    const missed = missedFires(daily0230, BRUSSELS, at('2027-01-10T01:30:00Z'), at('2027-01-11T01:29:59Z'), 'run_once');
    assert.deepEqual(missed, []);
  });

  test('never fired (lastFire null): nothing, a new schedule does not fire for the past', () => {
    assert.deepEqual(missedFires(daily0230, BRUSSELS, null, at('2027-01-10T05:00:00Z'), 'run_once'), []);
    assert.deepEqual(missedFires(daily0230, BRUSSELS, null, at('2027-01-10T05:00:00Z'), 'skip'), []);
  });

  test('lastFire after now (clock set back): nothing', () => {
    assert.deepEqual(
      missedFires(daily0230, BRUSSELS, at('2027-02-01T01:30:00Z'), at('2027-01-10T05:00:00Z'), 'run_once'),
      [],
    );
  });

  test('a fire exactly at now is missed, and is not among the next fire times: each fire handled once', () => {
    const now = at('2027-01-10T01:30:00Z');
    assert.deepEqual(iso(missedFires(daily0230, BRUSSELS, at('2027-01-08T01:30:00Z'), now, 'run_once')), [
      now.toISOString(),
    ]);
    assert.deepEqual(iso(nextFireTimes(daily0230, BRUSSELS, now, 1)), ['2027-01-11T01:30:00.000Z']);
    // Milliseconds into the fire's second: still missed, not next.
    const later = at('2027-01-10T01:30:00.999Z');
    assert.deepEqual(iso(missedFires(daily0230, BRUSSELS, at('2027-01-08T01:30:00Z'), later, 'run_once')), [
      now.toISOString(),
    ]);
  });

  test('every second, down for a year: one fire, the last whole second, quickly', () => {
    const started = performance.now();
    const missed = missedFires(
      cron('* * * * * ?'),
      'UTC',
      at('2026-01-01T00:00:00Z'),
      at('2027-06-01T10:00:00.750Z'),
      'run_once',
    );
    assert.deepEqual(iso(missed), ['2027-06-01T10:00:00.000Z']);
    assert.ok(performance.now() - started < 1000);
  });

  test('a schedule that has ended (year field) still yields its last missed fire', () => {
    const missed = missedFires(
      cron('0 0 12 1 1 ? 2027'),
      'UTC',
      at('2026-06-01T00:00:00Z'),
      at('2030-01-01T00:00:00Z'),
      'run_once',
    );
    assert.deepEqual(iso(missed), ['2027-01-01T12:00:00.000Z']);
  });

  test('DST fall back: down over both 02:30s, the catch-up is the first (the only fire)', () => {
    const missed = missedFires(daily0230, BRUSSELS, at('2027-10-30T00:30:00Z'), at('2027-10-31T01:45:00Z'), 'run_once');
    assert.deepEqual(iso(missed), ['2027-10-31T00:30:00.000Z']);
  });

  test('DST spring forward: the 02:30 fire is at 03:00 CEST', () => {
    const lastFire = at('2027-03-27T01:30:00Z');
    assert.deepEqual(iso(missedFires(daily0230, BRUSSELS, lastFire, at('2027-03-28T01:10:00Z'), 'run_once')), [
      '2027-03-28T01:00:00.000Z',
    ]);
    assert.deepEqual(missedFires(daily0230, BRUSSELS, lastFire, at('2027-03-28T00:59:59Z'), 'run_once'), []);
  });

  test('agrees with enumerating nextFireTimes, around both DST changes', () => {
    const cases: Array<[string, string, string]> = [
      ['0 30 2 * * ?', BRUSSELS, '2027-10-30T20:00:00Z'],
      ['0 */30 * * * ?', BRUSSELS, '2027-10-30T20:00:00Z'],
      ['0 0 1-3 * * ?', BRUSSELS, '2027-03-27T20:00:00Z'],
      ['0 30 1 * * ?', 'America/New_York', '2027-11-06T20:00:00Z'],
      ['0 0 2 ? * SUN', 'America/New_York', '2027-03-13T20:00:00Z'],
    ];
    for (const [expression, zone, start] of cases) {
      const lastFire = at(start);
      const all = nextFireTimes(cron(expression), zone, lastFire, 100);
      for (let minutes = 0; minutes < 30 * 60; minutes += 13) {
        const now = new Date(lastFire.getTime() + minutes * 60_000);
        const expected = all.filter((fire) => fire <= now).slice(-1);
        const missed = missedFires(cron(expression), zone, lastFire, now, 'run_once');
        assert.deepEqual(iso(missed), iso(expected), `${expression} in ${zone} at ${now.toISOString()}`);
      }
    }
  });

  test('an invalid schedule or zone is refused, whatever the policy', () => {
    const now = at('2027-01-10T05:00:00Z');
    for (const policy of ['run_once', 'skip'] as const) {
      assert.throws(() => missedFires(cron('* * * * * *'), 'UTC', null, now, policy), { code: 'invalid_schedule' });
      assert.throws(() => missedFires(daily0230, 'Mars/Olympus', null, now, policy), { code: 'invalid_schedule' });
    }
  });

  test('an invalid Date is a bug, not user input', () => {
    assert.throws(() => missedFires(daily0230, 'UTC', null, new Date('nonsense'), 'run_once'), UnexpectedError);
    assert.throws(
      () => missedFires(daily0230, 'UTC', new Date(NaN), at('2027-01-10T05:00:00Z'), 'run_once'),
      UnexpectedError,
    );
  });
});
