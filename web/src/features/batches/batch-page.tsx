import { type FormEvent, useState } from 'react';

import type { Batch } from '../../../../src/contracts/batches.dto.ts';
import { ApiError, errorMessage } from '../../api-client.ts';
import { FormField } from '../../components/form-field.tsx';
import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link, navigate } from '../../router.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { BatchRecentRuns } from './batch-recent-runs.tsx';
import { type BatchForm, batchFieldPaths, batchToForm, checkBatchForm, formToChanges, isDirty } from './batch-form.ts';
import { useBatch, useConfiguration, useRunBatch, useUpdateBatch, useWorkspaceAllows } from './batches-api.ts';
import { EnabledSwitch } from './enabled-switch.tsx';
import { ScheduleEditor } from './schedule-editor.tsx';
import { TaskOrder } from './task-order.tsx';
import '../runs/runs.css';
import './batches.css';

export function BatchPage({ id }: { id: string }) {
  const batch = useBatch(id);
  if (batch.isPending) return <LoadingState label="Loading the batch…" />;
  if (batch.isError) {
    const gone = batch.error instanceof ApiError && batch.error.status === 404;
    return (
      <section className="page-section">
        <BackLink />
        <ErrorState error={batch.error} onRetry={gone ? undefined : () => void batch.refetch()} />
      </section>
    );
  }
  return <BatchEditor key={batch.data.id} batch={batch.data} />;
}

function BackLink() {
  return (
    <Link className="nav-back" to="/batches">
      ← All batches
    </Link>
  );
}

function BatchEditor({ batch }: { batch: Batch }) {
  const canEdit = useWorkspaceAllows(batch.workspace, 'admin');
  const canRun = useWorkspaceAllows(batch.workspace, 'write');
  const configuration = useConfiguration(batch.configurationId);
  const update = useUpdateBatch(batch.id);
  const runNow = useRunBatch(batch.id);

  const [form, setForm] = useState(() => batchToForm(batch));
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [saved, setSaved] = useState(false);
  const dirty = isDirty(form, batch);
  const readOnly = !canEdit;

  // Names and types: the configuration's tasks when loaded, else what the batch itself says.
  const configTasks = configuration.data?.tasks;
  const orderTasks = form.taskIds.map((taskId) => {
    const fromConfig = configTasks?.find((task) => task.id === taskId);
    const fromBatch = batch.tasks.find((task) => task.id === taskId);
    return { id: taskId, name: fromConfig?.name ?? fromBatch?.name ?? taskId, type: fromConfig?.type };
  });
  const available = configTasks?.filter((task) => !form.taskIds.includes(task.id));

  function edit<K extends keyof BatchForm>(key: K) {
    return (value: BatchForm[K]) => {
      setForm((current) => ({ ...current, [key]: value }));
      setSaved(false);
    };
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fieldErrors = checkBatchForm(form);
    if (Object.keys(fieldErrors).length > 0) {
      setErrors({ fields: fieldErrors, general: [] });
      return;
    }
    setErrors(noFormErrors);
    update.mutate(formToChanges(form), {
      onSuccess: (next) => {
        setForm(batchToForm(next));
        setSaved(true);
      },
      onError: (error) => setErrors(toFormErrors(error, batchFieldPaths)),
    });
  }

  const fieldError = (path: string) => errors.fields[path];
  const hasErrors = errors.general.length > 0 || Object.keys(errors.fields).length > 0;

  return (
    <section className="page-section" aria-labelledby="batch-title">
      <BackLink />
      <div className="page-header">
        <div>
          <h1 id="batch-title" className="batch-title">
            Batch {batch.name}
          </h1>
          <p className="muted">
            Workspace {batch.workspace}
            {batch.configuration && <> · configuration {batch.configuration}</>}
          </p>
        </div>
        <div className="batch-actions">
          <Link className="button" to={`/runs?batch=${batch.id}`}>
            Runs
          </Link>
          {canRun && (
            <button
              className="button button-primary"
              type="button"
              disabled={runNow.isPending || dirty}
              title={dirty ? 'Save or undo your changes first: a run uses the saved batch' : undefined}
              onClick={() => runNow.mutate(undefined, { onSuccess: (run) => navigate(`/runs/${run.id}`) })}
            >
              {runNow.isPending ? 'Starting…' : 'Run now'}
            </button>
          )}
        </div>
      </div>
      {runNow.isError && (
        <p className="alert alert-error" role="alert">
          Could not start a run: {errorMessage(runNow.error)}
        </p>
      )}
      {readOnly && (
        <p className="alert alert-info">
          You can view this batch. Changing it needs admin permission on the workspace {batch.workspace}
          {canRun ? '.' : '; running it needs write permission.'}
        </p>
      )}

      <form className="batch-form" onSubmit={submit} noValidate aria-label="Batch settings">
        {hasErrors && (
          <div className="alert alert-error" role="alert">
            {errors.general.length > 0 ? (
              errors.general.map((message) => <p key={message}>{message}</p>)
            ) : (
              <p>Please correct the marked fields.</p>
            )}
          </div>
        )}
        <div className="batch-form-grid">
          <fieldset className="fieldset" disabled={readOnly}>
            <legend>General</legend>
            <FormField label="Name" required error={fieldError('name')}>
              {(control) => (
                <input
                  {...control}
                  type="text"
                  autoComplete="off"
                  maxLength={100}
                  value={form.name}
                  onChange={(e) => edit('name')(e.target.value)}
                />
              )}
            </FormField>
            <FormField label="Description" error={fieldError('description')}>
              {(control) => (
                <textarea
                  {...control}
                  rows={2}
                  maxLength={2000}
                  value={form.description}
                  onChange={(e) => edit('description')(e.target.value)}
                />
              )}
            </FormField>
            <EnabledSwitch checked={form.enabled} onChange={edit('enabled')} error={fieldError('enabled')} />
          </fieldset>

          <TaskOrder
            tasks={orderTasks}
            available={available}
            readOnly={readOnly}
            error={fieldError('tasks')}
            onChange={edit('taskIds')}
          />
        </div>
        {configuration.isError && (
          <ErrorState error={configuration.error} onRetry={() => void configuration.refetch()} />
        )}

        <ScheduleEditor
          form={form.schedule}
          timeZone={form.timeZone}
          misfire={form.misfire}
          enabled={form.enabled}
          readOnly={readOnly}
          errors={errors.fields}
          onChange={edit('schedule')}
          onTimeZoneChange={edit('timeZone')}
          onMisfireChange={edit('misfire')}
        />

        {canEdit && (
          <div className="form-actions">
            <button className="button button-primary" type="submit" disabled={update.isPending || !dirty}>
              {update.isPending ? 'Saving…' : 'Save'}
            </button>
            <button
              className="button"
              type="button"
              disabled={!dirty || update.isPending}
              onClick={() => {
                setForm(batchToForm(batch));
                setErrors(noFormErrors);
              }}
            >
              Undo changes
            </button>
            <span role="status" className="save-status">
              {saved && !dirty ? 'Saved.' : dirty ? 'Unsaved changes' : ''}
            </span>
          </div>
        )}
      </form>

      <BatchRecentRuns batchId={batch.id} />
    </section>
  );
}
