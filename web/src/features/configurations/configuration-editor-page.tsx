import { type FormEvent, useCallback, useMemo, useState } from 'react';

import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Redirect, useLocation } from '../../router.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { AttributesTable } from './attributes-table.tsx';
import { BatchesList } from './batches-list.tsx';
import {
  type TaskTypeInfo,
  editorPath,
  useConfiguration,
  useTaskTypes,
  useUpdateConfiguration,
  useWorkspaces,
} from './configurations-api.ts';
import { type Draft, type DraftTask, changeOf, deriveAttributes, draftOf, isDirty } from './draft.ts';
import { EditorHeader } from './editor-header.tsx';
import { GeneralFields } from './general-fields.tsx';
import { InitPanel } from './init-panel.tsx';
import { NewBatchDialog } from './new-batch-dialog.tsx';
import { placeProblems } from './problems.ts';
import { TaskDialog } from './task-dialog.tsx';
import { TasksTable } from './tasks-table.tsx';
import './configurations.css';

export function ConfigurationEditorPage({ id, template }: { id: string; template: boolean }) {
  const configuration = useConfiguration(id);
  const types = useTaskTypes();
  const reload = useCallback(() => void configuration.refetch(), [configuration]);
  if (configuration.isPending || types.isPending) return <LoadingState label="Loading…" />;
  if (configuration.isError) return <ErrorState error={configuration.error} onRetry={reload} />;
  if (types.isError) return <ErrorState error={types.error} onRetry={() => void types.refetch()} />;
  // A template opened under /configurations (or the reverse) moves to its own address.
  if (configuration.data.template !== template) return <Redirect to={editorPath(configuration.data)} />;
  return <Editor key={id} configuration={configuration.data} types={types.data} onReload={reload} />;
}

function Editor({
  configuration,
  types,
  onReload,
}: {
  configuration: Configuration;
  types: TaskTypeInfo[];
  onReload: () => void;
}) {
  const { searchParams } = useLocation();
  const [base, setBase] = useState(configuration);
  const [draft, setDraft] = useState<Draft>(() => draftOf(configuration));
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [taskDialog, setTaskDialog] = useState<{ task?: DraftTask } | null>(null);
  const [batchDialog, setBatchDialog] = useState(false);
  const [initRunId, setInitRunId] = useState(searchParams.get('initializeRun') ?? undefined);
  const update = useUpdateConfiguration(configuration.id);
  const workspaces = useWorkspaces();
  const canEdit = (workspaces.data ?? []).some((w) => w.name === configuration.workspace && w.myLevel === 'admin');

  // A newer server copy (validate, apply template, initialization) replaces an unchanged form.
  if (configuration !== base && !isDirty(draft, base)) {
    setBase(configuration);
    setDraft(draftOf(configuration));
  }
  const saved = configuration;
  const dirty = isDirty(draft, saved);
  const typesByName = useMemo(() => new Map(types.map((t) => [t.type, t])), [types]);
  const placed = useMemo(() => placeProblems(saved), [saved]);
  const initBatch = saved.batches.find((b) => b.id === saved.initializeBatchId);
  const initializing = !saved.template && initBatch !== undefined;
  const allRows = deriveAttributes(draft, typesByName);
  // While initializing, only what the @Initialize tasks read is asked for.
  const rows = initBatch
    ? allRows.filter((row) => row.usedBy.some((use) => initBatch.tasks.some((task) => use.startsWith(`${task}.`))))
    : allRows;
  const tasksInBatches = new Set(saved.batches.flatMap((b) => b.tasks));

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!draft.name.trim()) {
      setErrors({ fields: { name: 'Required' }, general: [] });
      return;
    }
    setErrors(noFormErrors);
    update.mutate(changeOf(draft), {
      onSuccess: (next) => {
        setBase(next);
        setDraft(draftOf(next));
        // A save that completed the @Initialize values started it on the server: follow that run.
        if (next.initializeBatchId) setInitRunId(next.initializeRunId);
      },
      onError: (error) => setErrors(toFormErrors(error, ['name', 'description', 'attributes', 'tasks'])),
    });
  }

  const setField = (field: 'name' | 'description', value: string) => setDraft((d) => ({ ...d, [field]: value }));
  const saveTask = (task: DraftTask) => {
    setDraft((d) => {
      const exists = d.tasks.some((t) => t.key === task.key);
      return { ...d, tasks: exists ? d.tasks.map((t) => (t.key === task.key ? task : t)) : [...d.tasks, task] };
    });
    setTaskDialog(null);
  };
  const generalProblems = [...errors.general, ...(errors.fields.tasks ? [errors.fields.tasks] : [])];

  return (
    <section className="page-section cfg-editor" aria-labelledby="editor-title">
      <EditorHeader configuration={saved} dirty={dirty} canEdit={canEdit} />
      {workspaces.isSuccess && !canEdit && (
        <p className="alert alert-info">
          You can view this {saved.template ? 'template' : 'configuration'}; changing it needs the admin level on
          workspace {saved.workspace}.
        </p>
      )}
      <form onSubmit={save} noValidate>
        {/* A disabled fieldset makes every control read-only for viewers in one place. */}
        <fieldset className="cfg-plain-fieldset" disabled={!canEdit}>
          {generalProblems.length > 0 && (
            <div className="alert alert-error" role="alert">
              {generalProblems.map((message) => (
                <p key={message}>{message}</p>
              ))}
            </div>
          )}
          {saved.problems.length > 0 && (
            <div className="alert cfg-alert-warn" role="status" aria-label="Validation">
              <p>
                {saved.problems.length === 1 ? '1 problem' : `${saved.problems.length} problems`} to fix before it can
                run
                {placed.general.length > 0 ? ':' : '; they are marked below.'}
              </p>
              {placed.general.map((message) => (
                <p key={message}>{message}</p>
              ))}
            </div>
          )}

          <GeneralFields
            name={draft.name}
            description={draft.description}
            workspace={saved.workspace}
            errors={errors.fields}
            onChange={setField}
          />

          {initializing && (
            <InitPanel
              configuration={saved}
              runId={initRunId}
              dirty={dirty}
              onStarted={setInitRunId}
              onCommitted={onReload}
            />
          )}

          <section aria-labelledby="attributes-title" className="cfg-editor-section">
            <h2 id="attributes-title">Attributes</h2>
            <p className="muted">
              {saved.template
                ? 'Values given here are defaults for the configurations made from this template.'
                : 'The values the tasks read. Choices are loaded from the saved configuration.'}
            </p>
            {errors.fields.attributes && <p className="field-error">{errors.fields.attributes}</p>}
            <AttributesTable
              configuration={saved}
              rows={rows}
              values={draft.attributes}
              problems={placed.attributes}
              onChange={(name, value) => setDraft((d) => ({ ...d, attributes: { ...d.attributes, [name]: value } }))}
            />
          </section>

          {initializing ? (
            <p className="muted">The tasks and batches open once the configuration is initialized.</p>
          ) : (
            <>
              <section aria-labelledby="tasks-title" className="cfg-editor-section">
                <div className="cfg-section-header">
                  <h2 id="tasks-title">Tasks</h2>
                  {canEdit && (
                    <button className="button" type="button" onClick={() => setTaskDialog({})}>
                      Add task
                    </button>
                  )}
                </div>
                <TasksTable
                  tasks={draft.tasks}
                  types={typesByName}
                  problems={placed.tasks}
                  tasksInBatches={tasksInBatches}
                  readOnly={!canEdit}
                  onEdit={(task) => setTaskDialog({ task })}
                  onRemove={(task) => setDraft((d) => ({ ...d, tasks: d.tasks.filter((t) => t.key !== task.key) }))}
                />
              </section>
              <section aria-labelledby="batches-title" className="cfg-editor-section">
                <div className="cfg-section-header">
                  <h2 id="batches-title">Batches</h2>
                  {canEdit && (
                    <button className="button" type="button" onClick={() => setBatchDialog(true)}>
                      New batch
                    </button>
                  )}
                </div>
                <BatchesList configuration={saved} canEdit={canEdit} />
              </section>
            </>
          )}

          {canEdit && (
            <div className="cfg-save-bar">
              <span className="muted" aria-live="polite">
                {update.isPending ? 'Saving…' : dirty ? 'Unsaved changes' : 'All changes saved'}
              </span>
              <button
                className="button"
                type="button"
                disabled={!dirty || update.isPending}
                onClick={() => {
                  setDraft(draftOf(saved));
                  setErrors(noFormErrors);
                }}
              >
                Discard changes
              </button>
              <button className="button button-primary" type="submit" disabled={!dirty || update.isPending}>
                {update.isPending ? 'Saving…' : 'Save'}
              </button>
            </div>
          )}
        </fieldset>
      </form>

      {taskDialog && (
        <TaskDialog
          task={taskDialog.task}
          types={types}
          otherNames={draft.tasks.filter((t) => t.key !== taskDialog.task?.key).map((t) => t.name)}
          attributeNames={allRows.map((row) => row.name)}
          onSave={saveTask}
          onClose={() => setTaskDialog(null)}
        />
      )}
      {batchDialog && <NewBatchDialog configuration={saved} dirty={dirty} onClose={() => setBatchDialog(false)} />}
    </section>
  );
}
