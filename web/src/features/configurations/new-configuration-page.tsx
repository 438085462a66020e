import { type FormEvent, useState } from 'react';

import { FormField } from '../../components/form-field.tsx';
import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link, navigate, useLocation } from '../../router.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { editorPath, useConfigurationList, useCreateConfiguration, useWorkspaces } from './configurations-api.ts';
import { listPath, nouns } from './nouns.ts';
import './configurations.css';

/** Creates a template or configuration: from scratch, from a template, or as a copy (`?from=`). */
export function NewConfigurationPage({ template }: { template: boolean }) {
  const noun = nouns(template);
  const { searchParams } = useLocation();
  const workspaces = useWorkspaces();
  const templates = useConfigurationList({ template: true, limit: 500, offset: 0 });
  const configurations = useConfigurationList({ template: false, limit: 500, offset: 0 });
  const sources = [...(templates.data?.items ?? []), ...(template ? [] : (configurations.data?.items ?? []))];

  const [from, setFrom] = useState(searchParams.get('from') ?? '');
  const source = sources.find((s) => s.id === from);
  const [workspace, setWorkspace] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const creation = useCreateConfiguration();

  const writable = (workspaces.data ?? []).filter((w) => w.myLevel === 'admin');
  // Until chosen, the source's own workspace (or the only one) is the natural place for the copy.
  const chosenWorkspace =
    workspace ||
    (source && writable.some((w) => w.name === source.workspace) ? source.workspace : '') ||
    (writable.length === 1 ? (writable[0]?.name ?? '') : '');

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields: Record<string, string> = {};
    if (!chosenWorkspace) fields.workspace = 'Choose a workspace';
    if (!name.trim()) fields.name = 'Required';
    if (Object.keys(fields).length > 0) {
      setErrors({ fields, general: [] });
      return;
    }
    setErrors(noFormErrors);
    creation.mutate(
      { workspace: chosenWorkspace, name: name.trim(), description, template, ...(from && { from }) },
      {
        onSuccess: (created) => {
          const run = created.initializeRunId ? `?initializeRun=${created.initializeRunId}` : '';
          navigate(editorPath(created) + run, { replace: true });
        },
        onError: (error) => setErrors(toFormErrors(error, ['workspace', 'name', 'description', 'from'])),
      },
    );
  }

  if (workspaces.isPending) return <LoadingState label="Loading workspaces…" />;
  if (workspaces.isError) return <ErrorState error={workspaces.error} onRetry={() => void workspaces.refetch()} />;

  return (
    <section className="page-section cfg-narrow-section" aria-labelledby="new-title">
      <div className="page-header">
        <div>
          <p className="cfg-breadcrumb">
            <Link to={listPath(template)}>{noun.Plural}</Link>
          </p>
          <h1 id="new-title">New {noun.singular}</h1>
        </div>
      </div>
      {writable.length === 0 ? (
        <ErrorState error={new Error(`You need the admin level on a workspace to create ${noun.plural}.`)} />
      ) : (
        <form className="cfg-card cfg-form-card" onSubmit={submit} noValidate>
          {errors.general.length > 0 && (
            <div className="alert alert-error" role="alert">
              {errors.general.map((message) => (
                <p key={message}>{message}</p>
              ))}
            </div>
          )}
          <FormField
            label="Start from"
            error={errors.fields.from}
            hint={
              source
                ? source.template && !template
                  ? 'Its tasks and batches are copied; fill in the attributes next.'
                  : 'A copy of its tasks, attribute values and batches.'
                : 'An empty one: add tasks next.'
            }
          >
            {(control) => (
              <select {...control} value={from} onChange={(event) => setFrom(event.target.value)}>
                <option value="">Nothing (empty {noun.singular})</option>
                {(templates.data?.items.length ?? 0) > 0 && (
                  <optgroup label={template ? 'Copy of template' : 'Template'}>
                    {templates.data?.items.map((item) => (
                      <option key={item.id} value={item.id}>
                        {item.workspace} / {item.name}
                      </option>
                    ))}
                  </optgroup>
                )}
                {!template && (configurations.data?.items.length ?? 0) > 0 && (
                  <optgroup label="Copy of configuration">
                    {configurations.data?.items.map((item) => (
                      <option key={item.id} value={item.id}>
                        {item.workspace} / {item.name}
                      </option>
                    ))}
                  </optgroup>
                )}
              </select>
            )}
          </FormField>
          {(templates.isError || configurations.isError) && (
            <ErrorState error={templates.error ?? configurations.error} />
          )}
          <FormField label="Workspace" required error={errors.fields.workspace}>
            {(control) => (
              <select {...control} value={chosenWorkspace} onChange={(event) => setWorkspace(event.target.value)}>
                <option value="" disabled>
                  Choose a workspace…
                </option>
                {writable.map((w) => (
                  <option key={w.id} value={w.name}>
                    {w.name}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField
            label="Name"
            required
            error={errors.fields.name}
            hint="Starts with a letter; letters, digits, _ . - only."
          >
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                spellCheck={false}
                maxLength={63}
                value={name}
                onChange={(event) => setName(event.target.value)}
                autoFocus
              />
            )}
          </FormField>
          <FormField label="Description" error={errors.fields.description}>
            {(control) => (
              <textarea
                {...control}
                rows={2}
                maxLength={2000}
                placeholder={source?.description || undefined}
                value={description}
                onChange={(event) => setDescription(event.target.value)}
              />
            )}
          </FormField>
          <div className="cfg-form-actions">
            <Link className="button" to={listPath(template)}>
              Cancel
            </Link>
            <button className="button button-primary" type="submit" disabled={creation.isPending}>
              {creation.isPending ? 'Creating…' : `Create ${noun.singular}`}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
