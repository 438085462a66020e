// What validateSchedule refuses, and the field and message the user sees: malformed or non-Quartz
// cron, an expression that never fires, unknown time zones, wrong helper fields.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Schedule } from '../../contracts/schedules.dto.ts';
import { UserError } from '../../errors/errors.ts';
import { nextFireTimes, validateSchedule } from './schedule.ts';

const cron = (expression: string): Schedule => ({ kind: 'cron', expression });
const from = new Date('2027-01-01T00:00:00Z');
/** Asserts a UserError invalid_schedule whose details are exactly these fields, messages matching. */
function refused(run: () => unknown, expected: Record<string, RegExp>): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.code, 'invalid_schedule');
    assert.equal(error.status, 400);
    assert.match(error.message, /^Invalid schedule: /);
    assert.deepEqual(error.details.map((d) => d.field).sort(), Object.keys(expected).sort());
    for (const detail of error.details) assert.match(detail.message, expected[detail.field!]!);
    return true;
  });
}

describe('Quartz expressions that are refused', () => {
  const refused: Array<[string, RegExp]> = [
    ['', /is empty/],
    ['   ', /is empty/],
    ['0 0 12 * *', /has 5 fields; Quartz needs 6 or 7/],
    ['0 0 12 * * ? 2027 1', /has 8 fields/],
    ['every day at noon', /has 4 fields/],
    ['61 * * * * ?', /^seconds: 61 is out of range \(0-59\)/],
    ['0 60 * * * ?', /^minutes: 60 is out of range/],
    ['0 0 24 * * ?', /^hours: 24 is out of range/],
    ['0 0 12 0 * ?', /^day-of-month: 0 is out of range \(1-31\)/],
    ['0 0 12 32 * ?', /^day-of-month: 32 is out of range/],
    ['0 0 12 1 13 ?', /^month: 13 is out of range/],
    ['0 0 12 ? * 0', /^day-of-week: 0 is out of range \(1-7, .*1 = Sunday\)/],
    ['0 0 12 ? * 8', /^day-of-week: 8 is out of range/],
    ['0 0 12 ? * ?', /'\?' may be in only one of day-of-month and day-of-week/],
    ['* * * * * *', /put '\?' in day-of-month or in day-of-week/],
    ['0 0 12 1 * MON', /put '\?' in day-of-month or in day-of-week/],
    ['? 0 12 * * ?', /^seconds: '\?' is only allowed in day-of-month and day-of-week/],
    ['a b c d e f', /^seconds: 'A' is not a valid value/],
    ['0 0 12 ? FOO MON', /^month: 'FOO' is not a valid value \(1-12, or JAN-DEC\)/],
    ['0 0 12 ? * MONDAY', /^day-of-week: 'MONDAY' is not a valid value/],
    ['0 0 12 ? * 6#6', /^day-of-week: '#6' must be #1 to #5/],
    ['0 0 12 ? * 6#0', /must be #1 to #5/],
    ['0 0 12 ? * 2#1,3#2', /^day-of-week: L and # apply to one day/],
    ['0 0 12 ? * 1-3L', /L and # apply to one day/],
    ['0 0 12 ? * 5W', /^day-of-week: '5W' is not a valid value/],
    ['0 0 12 L-3 * ?', /^day-of-month: 'L-3' .* is not supported/],
    ['0 0 12 L,15 * ?', /^day-of-month: L and W must stand alone/],
    ['0 0 12 1-15W * ?', /L and W must stand alone/],
    ['0 0 12 1 1 ? 1969', /^year: 1969 is out of range \(1970-2099\)/],
    ['0 0 12 1 1 ? 2100', /^year: 2100 is out of range/],
    ['0 0 12 1 1 ? 2030-2028', /^year: the range '2030-2028' goes backwards/],
    ['*/0 * * * * ?', /^seconds: the step in '\*\/0' must be a number from 1 to 59/],
    ['*/60 * * * * ?', /the step in '\*\/60'/],
    ['0 0 12 1,,2 * ?', /^day-of-month: has an empty value/],
    ['0 0 12 ? * MON-', /^day-of-week: 'MON-' is not a valid range/],
    ['0 0 12 * * ?; rm -rf /', /contains ";", which Quartz does not allow/],
    ['0 0 12 * * ？', /contains "？"/],
    ['0 0 12 * * ?\n0', /contains "\\n"/],
    ['@daily', /contains "@"/],
    ['0 0 12 30 2 ?', /^never fires/],
    ['0 0 12 31 4,6,9,11 ?', /^never fires/],
    ['1'.repeat(201), /is longer than 200 characters/],
    ['0 '.repeat(50_000), /is longer than 200 characters/],
  ];
  for (const [expression, message] of refused) {
    test(`refuses ${JSON.stringify(expression.slice(0, 40))}`, () => {
      assert.throws(
        () => validateSchedule(cron(expression), 'UTC'),
        (error: unknown) => {
          assert.ok(error instanceof UserError);
          assert.equal(error.code, 'invalid_schedule');
          assert.equal(error.status, 400);
          assert.equal(error.details.length, 1);
          assert.equal(error.details[0]?.field, 'schedule.expression');
          assert.match(error.details[0]?.message ?? '', message);
          return true;
        },
      );
      // Evaluating refuses it the same way.
      assert.throws(() => nextFireTimes(cron(expression), 'UTC', from), { code: 'invalid_schedule' });
    });
  }
});

describe('validateSchedule', () => {
  test('accepts each helper kind and a cron expression', () => {
    validateSchedule({ kind: 'daily', time: '23:59' }, 'Europe/Brussels');
    validateSchedule({ kind: 'weekly', day: 'SAT', time: '00:00' }, 'America/New_York');
    validateSchedule({ kind: 'monthly', day: 31, time: '12:00' }, 'UTC');
    validateSchedule({ kind: 'cron', expression: '0 0 6 ? * MON-FRI' }, 'Asia/Tokyo');
  });

  test('names the helper field that is wrong', () => {
    refused(() => validateSchedule({ kind: 'daily', time: '24:00' }, 'UTC'), { 'schedule.time': /HH:MM/ });
    refused(() => validateSchedule({ kind: 'weekly', day: 'MONDAY' as 'MON', time: '06:00' }, 'UTC'), {
      'schedule.day': /./,
    });
    refused(() => validateSchedule({ kind: 'monthly', day: 32, time: '06:00' }, 'UTC'), { 'schedule.day': /./ });
    refused(() => validateSchedule({ kind: 'hourly' } as unknown as Schedule, 'UTC'), { 'schedule.kind': /./ });
  });

  test('refuses unknown or badly written time zones', () => {
    const daily: Schedule = { kind: 'daily', time: '02:30' };
    refused(() => validateSchedule(daily, 'Mars/Olympus'), { timeZone: /'Mars\/Olympus' is not a known time zone/ });
    refused(() => validateSchedule(daily, 'europe/brussels'), {
      timeZone: /write the time zone as 'Europe\/Brussels'/,
    });
    refused(() => validateSchedule(daily, '+01:00'), { timeZone: /not a UTC offset/ });
    refused(() => validateSchedule(daily, ''), { timeZone: /IANA time zone name/ });
    refused(() => validateSchedule(daily, 'Europe/'.repeat(1000)), { timeZone: /^must be an IANA/ });
  });

  test('lists every problem at once', () => {
    refused(() => validateSchedule({ kind: 'cron', expression: '* * * * * *' }, 'Mars/Olympus'), {
      'schedule.expression': /put '\?'/,
      timeZone: /not a known time zone/,
    });
  });

  test('with now, an expression whose years have passed never fires', () => {
    const past: Schedule = { kind: 'cron', expression: '0 0 12 1 1 ? 2020' };
    validateSchedule(past, 'UTC');
    refused(() => validateSchedule(past, 'UTC', from), {
      'schedule.expression': /never fires after 2027-01-01T00:00:00.000Z/,
    });
  });
});
