import { useState } from 'react';

import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { errorMessage } from '../../api-client.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { Link, navigate } from '../../router.tsx';
import { exportUrl, useConfigurationAction } from './configurations-api.ts';
import { ValidatedBadge } from './configurations-page.tsx';
import { listPath, newPath, nouns } from './nouns.ts';
import { RemoveConfigurationDialog } from './remove-dialog.tsx';

/** Title, state badges and the actions on the saved configuration (not on the draft). */
export function EditorHeader({
  configuration,
  dirty,
  canEdit,
}: {
  configuration: Configuration;
  dirty: boolean;
  /** The admin level on its workspace: without it, only viewing and export. */
  canEdit: boolean;
}) {
  const { template } = configuration;
  const noun = nouns(template);
  const [dialog, setDialog] = useState<'remove' | 'apply' | null>(null);
  const validate = useConfigurationAction(configuration.id, 'validate');
  const apply = useConfigurationAction(configuration.id, 'apply-template');
  const initializing = configuration.initializeBatchId !== null;

  return (
    <>
      <div className="page-header">
        <div>
          <p className="cfg-breadcrumb">
            <Link to={listPath(template)}>{noun.Plural}</Link> / {configuration.workspace}
          </p>
          <h1 id="editor-title">
            {configuration.name}{' '}
            {template ? (
              <span className="badge badge-builtin">template</span>
            ) : initializing ? (
              <span className="badge cfg-badge-warn">initializing</span>
            ) : (
              <ValidatedBadge validated={configuration.validated} />
            )}
          </h1>
        </div>
        <div className="cfg-header-actions">
          {!template && canEdit && (
            <button
              className="button"
              type="button"
              onClick={() => validate.mutate()}
              disabled={validate.isPending || dirty}
              title={dirty ? 'Save first' : 'Check it again (connections or task types may have changed)'}
            >
              {validate.isPending ? 'Validating…' : 'Validate'}
            </button>
          )}
          {template && (
            <Link className="button" to={`${newPath(false)}?from=${configuration.id}`}>
              New configuration from it
            </Link>
          )}
          {canEdit && (
            <Link className="button" to={`${newPath(template)}?from=${configuration.id}`}>
              Copy
            </Link>
          )}
          <a className="button" href={exportUrl(configuration.id, 'json')} download>
            Export
          </a>
          <a className="button" href={exportUrl(configuration.id, 'yaml')} download aria-label="Export as YAML">
            YAML
          </a>
          {canEdit && (
            <button className="button button-danger-outline" type="button" onClick={() => setDialog('remove')}>
              Remove
            </button>
          )}
        </div>
      </div>
      {validate.isError && (
        <p className="alert alert-error" role="alert">
          {errorMessage(validate.error)}
        </p>
      )}
      {configuration.drift === true && canEdit && (
        <div className="alert alert-info cfg-banner" role="status">
          <span>
            Its template changed since: tasks, parameters or batches differ. Applying the template replaces them; the
            attribute values stay.
          </span>
          <button className="button button-small" type="button" onClick={() => setDialog('apply')} disabled={dirty}>
            Apply template
          </button>
        </div>
      )}
      {dialog === 'apply' && (
        <ConfirmDialog
          title="Apply the template?"
          confirmLabel="Apply template"
          pending={apply.isPending}
          error={apply.error}
          onConfirm={() => apply.mutate(undefined, { onSuccess: () => setDialog(null) })}
          onCancel={() => setDialog(null)}
        >
          <p>
            The tasks and batches of <strong>{configuration.name}</strong> are replaced by the template’s current ones.
            Attribute values are kept.
          </p>
        </ConfirmDialog>
      )}
      {dialog === 'remove' && (
        <RemoveConfigurationDialog
          configuration={configuration}
          onClose={() => setDialog(null)}
          onRemoved={() => navigate(listPath(template))}
        />
      )}
    </>
  );
}
