import { type FormEvent, useEffect, useId, useRef, useState } from 'react';

import { ApiError, errorMessage } from '../../api-client.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { FormField } from '../../components/form-field.tsx';
import { type BulkRunRequest, useBulkRun, useWorkspaces } from './bulk-api.ts';
import { QueuedRuns } from './queued-runs.tsx';

type Field = 'workspace' | 'configuration' | 'batch' | 'delaySeconds' | 'intervalSeconds';
type Values = Record<Field, string>;

const MAX_SECONDS = 86_400;
const empty: Values = { workspace: '', configuration: '', batch: '', delaySeconds: '0', intervalSeconds: '0' };

const texts = {
  run: {
    title: 'Run batches',
    intro:
      'Queue every batch whose workspace, configuration and batch names match the patterns. Batches whose name starts with @ are left out.',
    submit: 'Run batches',
    confirm: 'No pattern is set: this runs every batch you may run.',
  },
  initialize: {
    title: 'Initialize configurations',
    intro:
      'Start the @Initialize batch of every configuration still waiting for it (imported from an initializing template). Each is validated when its run commits.',
    submit: 'Initialize configurations',
    confirm: 'No pattern is set: this initializes every configuration still waiting for it.',
  },
} as const;

/** Bulk run and bulk initialize: the same patterns and timing, two endpoints. */
export function BulkRunForm({ kind, canRun }: { kind: 'run' | 'initialize'; canRun: boolean }) {
  const text = texts[kind];
  const [values, setValues] = useState<Values>(empty);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [confirming, setConfirming] = useState<BulkRunRequest | null>(null);
  const mutation = useBulkRun(kind);
  const workspaces = useWorkspaces();
  const listId = useId();
  const resultRef = useRef<HTMLDivElement>(null);

  // The outcome gets focus, so it is scrolled into view and read out.
  useEffect(() => {
    if (mutation.isSuccess || mutation.isError) resultRef.current?.focus();
  }, [mutation.isSuccess, mutation.isError]);

  const serverErrors = fieldProblems(mutation.error);
  const errorOf = (field: Field) => fieldErrors[field] ?? serverErrors[field];
  const set = (field: Field) => (value: string) => setValues((current) => ({ ...current, [field]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (mutation.isPending) return;
    const errors: Partial<Record<Field, string>> = {};
    const delay = seconds(values.delaySeconds);
    const interval = seconds(values.intervalSeconds);
    if (delay === undefined) errors.delaySeconds = `A whole number of seconds, 0 to ${MAX_SECONDS}`;
    if (interval === undefined) errors.intervalSeconds = `A whole number of seconds, 0 to ${MAX_SECONDS}`;
    setFieldErrors(errors);
    if (delay === undefined || interval === undefined) return;
    const body: BulkRunRequest = {
      workspace: values.workspace.trim() || undefined,
      configuration: values.configuration.trim() || undefined,
      batch: kind === 'run' ? values.batch.trim() || undefined : undefined,
      delaySeconds: delay,
      intervalSeconds: interval,
    };
    if (!body.workspace && !body.configuration && !body.batch) setConfirming(body);
    else mutation.mutate(body);
  }

  return (
    <div className="bulk-panel-body">
      <p className="muted bulk-intro">{text.intro}</p>
      <form className="bulk-form" onSubmit={submit} noValidate>
        <fieldset className="fieldset bulk-fieldset">
          <legend>Names to match</legend>
          <p className="muted bulk-fieldset-hint">
            <code>*</code> stands for any text, e.g. <code>roads_*</code>. Names are case-sensitive; an empty field
            matches any name.
          </p>
          <div className="bulk-form-grid">
            <FormField label="Workspace" error={errorOf('workspace')}>
              {(control) => (
                <input
                  {...control}
                  type="text"
                  list={listId}
                  autoComplete="off"
                  spellCheck={false}
                  value={values.workspace}
                  onChange={(event) => set('workspace')(event.target.value)}
                />
              )}
            </FormField>
            <datalist id={listId}>
              {workspaces.data?.map((workspace) => (
                <option key={workspace.id} value={workspace.name} />
              ))}
            </datalist>
            <FormField
              label="Configuration"
              hint={kind === 'run' ? 'Set: batches without a configuration are left out.' : undefined}
              error={errorOf('configuration')}
            >
              {(control) => (
                <input
                  {...control}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  value={values.configuration}
                  onChange={(event) => set('configuration')(event.target.value)}
                />
              )}
            </FormField>
            {kind === 'run' && (
              <FormField label="Batch" error={errorOf('batch')}>
                {(control) => (
                  <input
                    {...control}
                    type="text"
                    autoComplete="off"
                    spellCheck={false}
                    value={values.batch}
                    onChange={(event) => set('batch')(event.target.value)}
                  />
                )}
              </FormField>
            )}
          </div>
        </fieldset>
        <fieldset className="fieldset bulk-fieldset">
          <legend>Timing</legend>
          <div className="bulk-form-grid">
            <FormField label="Delay before start (seconds)" error={errorOf('delaySeconds')}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  min={0}
                  max={MAX_SECONDS}
                  step={1}
                  inputMode="numeric"
                  value={values.delaySeconds}
                  onChange={(event) => set('delaySeconds')(event.target.value)}
                />
              )}
            </FormField>
            <FormField
              label="Interval between runs (seconds)"
              hint="Spreads the load: strongly advised for many batches."
              error={errorOf('intervalSeconds')}
            >
              {(control) => (
                <input
                  {...control}
                  type="number"
                  min={0}
                  max={MAX_SECONDS}
                  step={1}
                  inputMode="numeric"
                  value={values.intervalSeconds}
                  onChange={(event) => set('intervalSeconds')(event.target.value)}
                />
              )}
            </FormField>
          </div>
        </fieldset>
        {canRun ? (
          <div className="bulk-actions">
            <button className="button button-primary" type="submit" disabled={mutation.isPending}>
              {mutation.isPending ? 'Queuing…' : text.submit}
            </button>
          </div>
        ) : null}
      </form>

      <div ref={resultRef} tabIndex={-1} className="bulk-result" aria-live="polite">
        {mutation.isError && (
          <p className="alert alert-error" role="alert">
            {errorMessage(mutation.error)}
          </p>
        )}
        {mutation.isSuccess && <QueuedRuns answer={mutation.data} />}
      </div>

      {confirming && (
        <ConfirmDialog
          title={text.title}
          confirmLabel={text.submit}
          pending={mutation.isPending}
          error={null}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            mutation.mutate(confirming);
            setConfirming(null);
          }}
        >
          <p>{text.confirm}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function seconds(value: string): number | undefined {
  if (!/^\s*\d+\s*$/.test(value)) return undefined;
  const number = Number(value);
  return number <= MAX_SECONDS ? number : undefined;
}

/** A refused request's field errors (`errors[].field`, e.g. `delaySeconds`), by field. */
function fieldProblems(error: unknown): Partial<Record<Field, string>> {
  if (!(error instanceof ApiError)) return {};
  const byField: Partial<Record<Field, string>> = {};
  for (const problem of error.errors) {
    const field = problem.field?.replace(/^body\./, '') as Field | undefined;
    if (field && field in empty) byField[field] = problem.message;
  }
  return byField;
}
