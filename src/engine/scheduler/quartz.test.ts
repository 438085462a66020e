// Quartz syntax that is accepted, with the fire times Quartz gives (refusals: validate.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Schedule } from '../../contracts/schedules.dto.ts';
import { nextFireTimes, validateSchedule } from './schedule.ts';

const cron = (expression: string): Schedule => ({ kind: 'cron', expression });
const from = new Date('2027-01-01T00:00:00Z'); // a Friday
const fires = (expression: string, count: number, start = from): string[] =>
  nextFireTimes(cron(expression), 'UTC', start, count).map((d) => d.toISOString().replace('.000Z', 'Z'));

describe('Quartz expressions that are accepted', () => {
  // [expression, what, first fires after 2027-01-01T00:00Z in UTC]; dates checked on a calendar.
  const accepted: Array<[string, string, string[]]> = [
    [
      '0 0 12 L * ?',
      'L: last day of the month',
      ['2027-01-31T12:00:00Z', '2027-02-28T12:00:00Z', '2027-03-31T12:00:00Z'],
    ],
    [
      '0 0 12 LW * ?',
      'LW: last weekday (31 Jan and 28 Feb are Sundays)',
      ['2027-01-29T12:00:00Z', '2027-02-26T12:00:00Z', '2027-03-31T12:00:00Z'],
    ],
    [
      '0 0 12 15W * ?',
      '15W: weekday nearest the 15th (15 May is a Saturday)',
      [
        '2027-01-15T12:00:00Z',
        '2027-02-15T12:00:00Z',
        '2027-03-15T12:00:00Z',
        '2027-04-15T12:00:00Z',
        '2027-05-14T12:00:00Z',
      ],
    ],
    [
      '0 0 12 ? * 6#3',
      '6#3: third Friday (6 = FRI in Quartz)',
      ['2027-01-15T12:00:00Z', '2027-02-19T12:00:00Z', '2027-03-19T12:00:00Z'],
    ],
    [
      '0 0 12 ? * 2#1',
      '2#1: first Monday, not first Tuesday',
      ['2027-01-04T12:00:00Z', '2027-02-01T12:00:00Z', '2027-03-01T12:00:00Z'],
    ],
    ['0 0 12 ? * FRI#3', 'a name with #', ['2027-01-15T12:00:00Z']],
    [
      '0 0 12 ? * 6L',
      '6L: last Friday, not last Saturday',
      ['2027-01-29T12:00:00Z', '2027-02-26T12:00:00Z', '2027-03-26T12:00:00Z'],
    ],
    ['0 0 12 ? * FRIL', 'a name with L', ['2027-01-29T12:00:00Z']],
    ['0 0 12 ? * L', 'L alone in day-of-week: Saturday', ['2027-01-02T12:00:00Z', '2027-01-09T12:00:00Z']],
    ['0 0 12 ? * 1', '1 = Sunday', ['2027-01-03T12:00:00Z', '2027-01-10T12:00:00Z']],
    ['0 0 12 ? * 7', '7 = Saturday', ['2027-01-02T12:00:00Z']],
    ['0 0 12 ? * MON-FRI', 'names, a range', ['2027-01-01T12:00:00Z', '2027-01-04T12:00:00Z', '2027-01-05T12:00:00Z']],
    [
      '0 0 12 ? * FRI-MON',
      'a range that wraps around the week',
      [
        '2027-01-01T12:00:00Z',
        '2027-01-02T12:00:00Z',
        '2027-01-03T12:00:00Z',
        '2027-01-04T12:00:00Z',
        '2027-01-08T12:00:00Z',
      ],
    ],
    ['0 0 12 ? * mon', 'lower case', ['2027-01-04T12:00:00Z']],
    ['0 0 12 1 JAN ?', 'a month name', ['2027-01-01T12:00:00Z', '2028-01-01T12:00:00Z']],
    [
      '0 0 12 1 JAN-MAR/2 ?',
      'a month range with a step',
      ['2027-01-01T12:00:00Z', '2027-03-01T12:00:00Z', '2028-01-01T12:00:00Z'],
    ],
    ['15,45 * * * * ?', 'the seconds field', ['2027-01-01T00:00:15Z', '2027-01-01T00:00:45Z', '2027-01-01T00:01:15Z']],
    ['*/20 * * * * ?', 'a step on seconds', ['2027-01-01T00:00:20Z', '2027-01-01T00:00:40Z', '2027-01-01T00:01:00Z']],
    ['0 5/20 * * * ?', 'Quartz start/step', ['2027-01-01T00:05:00Z', '2027-01-01T00:25:00Z', '2027-01-01T00:45:00Z']],
    ['0 /20 * * * ?', "'/20' means '*/20' in Quartz", ['2027-01-01T00:20:00Z', '2027-01-01T00:40:00Z']],
    [
      '0 0/15 9-10 * * ?',
      'a step inside an hour range',
      [
        '2027-01-01T09:00:00Z',
        '2027-01-01T09:15:00Z',
        '2027-01-01T09:30:00Z',
        '2027-01-01T09:45:00Z',
        '2027-01-01T10:00:00Z',
      ],
    ],
    ['0 0 8,12,18 * * ?', 'a list', ['2027-01-01T08:00:00Z', '2027-01-01T12:00:00Z', '2027-01-01T18:00:00Z']],
    [
      '0 0 22-2 * * ?',
      'an hour range across midnight',
      [
        '2027-01-01T01:00:00Z',
        '2027-01-01T02:00:00Z',
        '2027-01-01T22:00:00Z',
        '2027-01-01T23:00:00Z',
        '2027-01-02T00:00:00Z',
      ],
    ],
    [
      '0 0 22-2/2 * * ?',
      'the same with a step (22, 0, 2)',
      ['2027-01-01T02:00:00Z', '2027-01-01T22:00:00Z', '2027-01-02T00:00:00Z', '2027-01-02T02:00:00Z'],
    ],
    [
      '0 0 12 30-2 * ?',
      'a day range across the month end',
      [
        '2027-01-01T12:00:00Z',
        '2027-01-02T12:00:00Z',
        '2027-01-30T12:00:00Z',
        '2027-01-31T12:00:00Z',
        '2027-02-01T12:00:00Z',
      ],
    ],
    [
      '0 0 0 29 2 ?',
      '29 February: leap years only',
      ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z', '2036-02-29T00:00:00Z'],
    ],
    ['0 0 12 1 1 ? 2029', 'the year field', ['2029-01-01T12:00:00Z']],
    [
      '0 0 12 1 1 ? 2028-2032/2',
      'a year range with a step',
      ['2028-01-01T12:00:00Z', '2030-01-01T12:00:00Z', '2032-01-01T12:00:00Z'],
    ],
    ['  0\t0 12  * * ?  ', 'extra spaces and tabs', ['2027-01-01T12:00:00Z']],
  ];
  for (const [expression, what, expected] of accepted) {
    test(`${what}: ${expression.trim()}`, () => {
      validateSchedule(cron(expression), 'UTC');
      assert.deepEqual(fires(expression, expected.length + 1).slice(0, expected.length), expected);
    });
  }

  test('1W stays in the month: 1 May 2027 is a Saturday, so Monday 3 May', () => {
    assert.deepEqual(fires('0 0 12 1W * ?', 1, new Date('2027-04-20T00:00:00Z')), ['2027-05-03T12:00:00Z']);
  });

  test('a schedule with a year ends: fewer fire times than asked', () => {
    assert.deepEqual(fires('0 0 12 1 1 ? 2028,2029', 5), ['2028-01-01T12:00:00Z', '2029-01-01T12:00:00Z']);
  });
});
