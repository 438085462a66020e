import { useId, useMemo } from 'react';

import type { MisfirePolicy } from '../../../../src/contracts/schedules.dto.ts';
import { ApiError } from '../../api-client.ts';
import { FormField } from '../../components/form-field.tsx';
import {
  type ScheduleForm,
  type ScheduleKind,
  type Weekday,
  formToSchedule,
  formatFireTime,
  scheduleKindLabels,
  timeZoneNames,
  weekdayNames,
} from './schedule-form.ts';
import { useSchedulePreview } from './use-schedule-preview.ts';

const monthDays = [...Array.from({ length: 31 }, (_, index) => String(index + 1)), 'L'];

/** Field errors by path: `schedule.time`, `schedule.day`, `schedule.expression`, `timeZone`, `misfire`. */
export type ScheduleErrors = Record<string, string | undefined>;

export function ScheduleEditor({
  form,
  timeZone,
  misfire,
  enabled,
  readOnly,
  errors,
  onChange,
  onTimeZoneChange,
  onMisfireChange,
}: {
  form: ScheduleForm;
  timeZone: string;
  misfire: MisfirePolicy;
  /** The batch's enabled switch: a disabled batch does not fire. */
  enabled: boolean;
  readOnly: boolean;
  /** Errors from saving; the preview's own errors are shown where these are not. */
  errors: ScheduleErrors;
  onChange: (form: ScheduleForm) => void;
  onTimeZoneChange: (timeZone: string) => void;
  onMisfireChange: (misfire: MisfirePolicy) => void;
}) {
  const schedule = formToSchedule(form);
  const preview = useSchedulePreview(schedule, timeZone);
  const zoneListId = useId();
  const zones = useMemo(timeZoneNames, []);

  const previewErrors: ScheduleErrors = {};
  let previewGeneral: string | undefined;
  if (preview.error instanceof ApiError && preview.error.errors.length > 0) {
    for (const problem of preview.error.errors) {
      const field = problem.field ?? '';
      if (['schedule.time', 'schedule.day', 'schedule.expression', 'timeZone'].includes(field)) {
        previewErrors[field] = previewErrors[field] ? `${previewErrors[field]}; ${problem.message}` : problem.message;
      } else previewGeneral = problem.message;
    }
  } else if (preview.error) previewGeneral = preview.error.message;
  const errorOf = (path: string) => errors[path] ?? previewErrors[path];
  const set = (changes: Partial<ScheduleForm>) => onChange({ ...form, ...changes });

  return (
    <fieldset className="fieldset schedule-editor" disabled={readOnly}>
      <legend>Schedule</legend>
      <div className="schedule-kinds" role="radiogroup" aria-label="Repeat">
        {(Object.keys(scheduleKindLabels) as ScheduleKind[]).map((kind) => (
          <label key={kind} className="schedule-kind">
            <input
              type="radio"
              name="schedule-kind"
              value={kind}
              checked={form.kind === kind}
              onChange={() => set({ kind })}
            />
            {scheduleKindLabels[kind]}
          </label>
        ))}
      </div>
      {errors.schedule && <p className="field-error">{errors.schedule}</p>}

      {form.kind !== 'none' && (
        <div className="schedule-fields">
          {form.kind === 'weekly' && (
            <FormField label="Day of the week" error={errorOf('schedule.day')}>
              {(control) => (
                <select {...control} value={form.weekday} onChange={(e) => set({ weekday: e.target.value as Weekday })}>
                  {(Object.keys(weekdayNames) as Weekday[]).map((day) => (
                    <option key={day} value={day}>
                      {weekdayNames[day]}
                    </option>
                  ))}
                </select>
              )}
            </FormField>
          )}
          {form.kind === 'monthly' && (
            <FormField
              label="Day of the month"
              error={errorOf('schedule.day')}
              hint={Number(form.monthDay) > 28 ? 'Months without this day are skipped.' : undefined}
            >
              {(control) => (
                <select {...control} value={form.monthDay} onChange={(e) => set({ monthDay: e.target.value })}>
                  {monthDays.map((day) => (
                    <option key={day} value={day}>
                      {day === 'L' ? 'Last day' : day}
                    </option>
                  ))}
                </select>
              )}
            </FormField>
          )}
          {form.kind === 'cron' ? (
            <FormField
              label="Cron expression"
              required
              error={errorOf('schedule.expression')}
              hint="Quartz format, seconds first: seconds minutes hours day-of-month month day-of-week [year], e.g. 0 30 2 ? * MON-FRI"
            >
              {(control) => (
                <input
                  {...control}
                  type="text"
                  className="code-input"
                  spellCheck={false}
                  autoComplete="off"
                  maxLength={200}
                  value={form.expression}
                  onChange={(e) => set({ expression: e.target.value })}
                />
              )}
            </FormField>
          ) : (
            <FormField label="Time" required error={errorOf('schedule.time')} hint="In the time zone of the schedule.">
              {(control) => (
                <input
                  {...control}
                  type="time"
                  required
                  value={form.time}
                  onChange={(e) => set({ time: e.target.value })}
                />
              )}
            </FormField>
          )}
          <FormField label="Time zone" required error={errorOf('timeZone')} hint="An IANA name, e.g. Europe/Brussels.">
            {(control) => (
              <>
                <input
                  {...control}
                  type="text"
                  list={zoneListId}
                  spellCheck={false}
                  autoComplete="off"
                  value={timeZone}
                  onChange={(e) => onTimeZoneChange(e.target.value)}
                />
                <datalist id={zoneListId}>
                  {zones.map((zone) => (
                    <option key={zone} value={zone} />
                  ))}
                </datalist>
              </>
            )}
          </FormField>
          <FormField
            label="If a run was missed"
            error={errors.misfire}
            hint="While geosync was down at the time it should have run."
          >
            {(control) => (
              <select {...control} value={misfire} onChange={(e) => onMisfireChange(e.target.value as MisfirePolicy)}>
                <option value="run_once">Run it once when back</option>
                <option value="skip">Skip it</option>
              </select>
            )}
          </FormField>
        </div>
      )}

      {schedule && (
        <section className="next-fires" aria-labelledby={`${zoneListId}-fires`} aria-live="polite">
          <h3 id={`${zoneListId}-fires`}>Next runs</h3>
          {!enabled && <p className="muted">The batch is disabled: it does not run on its schedule until enabled.</p>}
          {preview.isFetching && !preview.data && <p className="muted">Working out the next runs…</p>}
          {previewGeneral && <p className="field-error">{previewGeneral}</p>}
          {preview.data && !preview.isError && (
            <>
              <p>Runs {preview.data.description}.</p>
              {preview.data.fires.length === 0 ? (
                <p className="muted">It never runs again.</p>
              ) : (
                <ol className="fire-list">
                  {preview.data.fires.map((fire) => (
                    <li key={fire}>
                      <time dateTime={fire}>{formatFireTime(fire, timeZone)}</time>
                    </li>
                  ))}
                </ol>
              )}
            </>
          )}
        </section>
      )}
    </fieldset>
  );
}
