import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';

import type { Schedule } from '../../contracts/schedules.dto.ts';
import { UnexpectedError } from '../../errors/errors.ts';
import { describeSchedule, fireKey, nextFireTimes, toQuartz } from './schedule.ts';

const iso = (dates: Date[]): string[] => dates.map((d) => d.toISOString());
const from = new Date('2027-01-01T00:00:00Z');

describe('toQuartz', () => {
  const cases: Array<[Schedule, string]> = [
    [{ kind: 'daily', time: '02:30' }, '0 30 2 * * ?'],
    [{ kind: 'daily', time: '00:00' }, '0 0 0 * * ?'],
    [{ kind: 'weekly', day: 'MON', time: '06:00' }, '0 0 6 ? * MON'],
    [{ kind: 'weekly', day: 'SUN', time: '23:59' }, '0 59 23 ? * SUN'],
    [{ kind: 'monthly', day: 'L', time: '23:00' }, '0 0 23 L * ?'],
    [{ kind: 'monthly', day: 15, time: '00:05' }, '0 5 0 15 * ?'],
    [{ kind: 'cron', expression: '  0 0 12\t * * ?  ' }, '0 0 12 * * ?'],
  ];
  for (const [schedule, expected] of cases) {
    test(`${JSON.stringify(schedule)} -> ${expected}`, () => {
      assert.equal(toQuartz(schedule), expected);
      // The helper and its expression are the same schedule.
      const asCron: Schedule = { kind: 'cron', expression: expected };
      assert.deepEqual(
        nextFireTimes(schedule, 'Europe/Brussels', from, 3),
        nextFireTimes(asCron, 'Europe/Brussels', from, 3),
      );
    });
  }
});

describe('describeSchedule', () => {
  const cases: Array<[Schedule, string, string]> = [
    [{ kind: 'daily', time: '02:30' }, 'Europe/Brussels', 'every day at 02:30 (Europe/Brussels)'],
    [{ kind: 'weekly', day: 'MON', time: '06:00' }, 'UTC', 'every Monday at 06:00 (UTC)'],
    [{ kind: 'monthly', day: 'L', time: '23:00' }, 'UTC', 'on the last day of every month at 23:00 (UTC)'],
    [{ kind: 'monthly', day: 15, time: '23:00' }, 'UTC', 'on day 15 of every month at 23:00 (UTC)'],
    [
      { kind: 'monthly', day: 31, time: '23:00' },
      'UTC',
      'on day 31 of every month at 23:00, skipping months without a day 31 (UTC)',
    ],
    [{ kind: 'cron', expression: '0 30 2 * * ?' }, 'UTC', 'every day at 02:30 (UTC)'],
    [{ kind: 'cron', expression: '0 0 6 ? * fri' }, 'UTC', 'every Friday at 06:00 (UTC)'],
    [{ kind: 'cron', expression: '0 0 23 L * ?' }, 'UTC', 'on the last day of every month at 23:00 (UTC)'],
    [
      { kind: 'cron', expression: '0 0 6 ? * MON-FRI' },
      'America/New_York',
      'on the Quartz schedule 0 0 6 ? * MON-FRI (America/New_York)',
    ],
    [{ kind: 'cron', expression: '30 0 6 * * ?' }, 'UTC', 'on the Quartz schedule 30 0 6 * * ? (UTC)'],
  ];
  for (const [schedule, zone, expected] of cases) {
    test(expected, () => assert.equal(describeSchedule(schedule, zone), expected));
  }
});

describe('nextFireTimes', () => {
  test('daily 02:30 in Brussels (CET, UTC+1 in winter)', () => {
    assert.deepEqual(iso(nextFireTimes({ kind: 'daily', time: '02:30' }, 'Europe/Brussels', from, 3)), [
      '2027-01-01T01:30:00.000Z',
      '2027-01-02T01:30:00.000Z',
      '2027-01-03T01:30:00.000Z',
    ]);
  });

  test('weekly Monday 06:00 (1 January 2027 is a Friday)', () => {
    assert.deepEqual(iso(nextFireTimes({ kind: 'weekly', day: 'MON', time: '06:00' }, 'Europe/Brussels', from, 2)), [
      '2027-01-04T05:00:00.000Z',
      '2027-01-11T05:00:00.000Z',
    ]);
  });

  test('monthly on the last day, through a leap February', () => {
    const last: Schedule = { kind: 'monthly', day: 'L', time: '23:00' };
    assert.deepEqual(iso(nextFireTimes(last, 'UTC', new Date('2028-01-15T00:00:00Z'), 3)), [
      '2028-01-31T23:00:00.000Z',
      '2028-02-29T23:00:00.000Z',
      '2028-03-31T23:00:00.000Z',
    ]);
  });

  test('monthly on day 31 or 29 skips months without that day', () => {
    const day31: Schedule = { kind: 'monthly', day: 31, time: '12:00' };
    assert.deepEqual(iso(nextFireTimes(day31, 'UTC', from, 3)), [
      '2027-01-31T12:00:00.000Z',
      '2027-03-31T12:00:00.000Z',
      '2027-05-31T12:00:00.000Z',
    ]);
    const day29: Schedule = { kind: 'monthly', day: 29, time: '12:00' };
    assert.deepEqual(iso(nextFireTimes(day29, 'UTC', from, 2)), [
      '2027-01-29T12:00:00.000Z',
      '2027-03-29T12:00:00.000Z',
    ]);
  });

  test('strictly after from, milliseconds included', () => {
    const daily: Schedule = { kind: 'daily', time: '12:00' };
    assert.deepEqual(iso(nextFireTimes(daily, 'UTC', new Date('2027-01-01T12:00:00Z'), 1)), [
      '2027-01-02T12:00:00.000Z',
    ]);
    assert.deepEqual(iso(nextFireTimes(daily, 'UTC', new Date('2027-01-01T11:59:59.999Z'), 1)), [
      '2027-01-01T12:00:00.000Z',
    ]);
  });

  test('count: 5 by default, 0 allowed, bad counts refused', () => {
    const daily: Schedule = { kind: 'daily', time: '12:00' };
    assert.equal(nextFireTimes(daily, 'UTC', from).length, 5);
    assert.deepEqual(nextFireTimes(daily, 'UTC', from, 0), []);
    assert.equal(nextFireTimes(daily, 'UTC', from, 1000).length, 1000);
    for (const count of [-1, 1.5, 1001, NaN]) {
      assert.throws(() => nextFireTimes(daily, 'UTC', from, count), { code: 'invalid_input' });
    }
    assert.throws(() => nextFireTimes(daily, 'UTC', new Date('nonsense')), UnexpectedError);
  });

  test('does not read the clock: the same answer whatever Date.now() says', () => {
    const schedule: Schedule = { kind: 'cron', expression: '0 15 10 ? * 6L' };
    const before = iso(nextFireTimes(schedule, 'Europe/Brussels', from, 5));
    mock.timers.enable({ apis: ['Date'], now: new Date('1999-06-01T00:00:00Z') });
    try {
      assert.deepEqual(iso(nextFireTimes(schedule, 'Europe/Brussels', from, 5)), before);
    } finally {
      mock.timers.reset();
    }
  });
});

describe('fireKey', () => {
  test('is batch:<id>:<ISO time>, the same for the same fire on every node', () => {
    const fire = new Date('2027-01-01T01:30:00Z');
    assert.equal(fireKey('42', fire), 'batch:42:2027-01-01T01:30:00.000Z');
    assert.equal(fireKey('42', new Date(fire.getTime())), fireKey('42', fire));
    assert.notEqual(fireKey('43', fire), fireKey('42', fire));
    assert.notEqual(fireKey('42', new Date('2027-01-02T01:30:00Z')), fireKey('42', fire));
  });

  test('refuses an invalid time or an empty id', () => {
    assert.throws(() => fireKey('42', new Date('nonsense')), UnexpectedError);
    assert.throws(() => fireKey('', new Date()), UnexpectedError);
  });
});
