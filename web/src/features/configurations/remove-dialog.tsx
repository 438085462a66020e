import { useState } from 'react';

import { errorMessage } from '../../api-client.ts';
import { CheckboxField } from '../../components/form-field.tsx';
import { Modal } from '../../components/modal.tsx';
import { useRemoveConfiguration } from './configurations-api.ts';
import { nouns } from './nouns.ts';

/**
 * Removes a template or configuration; a configuration may first be cleaned up (its tasks remove
 * what they created). The per-task report stays open until the user closes it: a failed clean-up
 * does not stop the removal (Task Manager behaviour), so the user must be told.
 */
export function RemoveConfigurationDialog({
  configuration,
  onClose,
  onRemoved,
}: {
  configuration: { id: string; name: string; template: boolean };
  onClose: () => void;
  /** Called when the report is closed after a removal. */
  onRemoved?: () => void;
}) {
  const noun = nouns(configuration.template);
  const [cleanup, setCleanup] = useState(false);
  const removal = useRemoveConfiguration();
  const report = removal.data;
  const close = report ? (onRemoved ?? onClose) : onClose;

  return (
    <Modal title={`Remove ${noun.singular} ${configuration.name}?`} onClose={close} size="small">
      <div className="modal-body">
        {report ? (
          <div role="status" aria-label="Removal report" className="cfg-removal-report">
            <p>
              <strong>{configuration.name}</strong> was removed{cleanup ? '.' : ' without clean-up.'}
            </p>
            {cleanup && report.cleaned.length === 0 && report.failed.length === 0 && (
              <p className="muted">None of its tasks had anything to clean up.</p>
            )}
            {report.cleaned.length > 0 && (
              <>
                <p>Cleaned up by:</p>
                <ul className="cfg-report-list">
                  {report.cleaned.map((task) => (
                    <li key={task} className="cfg-report-ok">
                      {task}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {report.failed.length > 0 && (
              <>
                <p className="field-error">Clean-up failed for:</p>
                <ul className="cfg-report-list">
                  {report.failed.map((failure) => (
                    <li key={failure.task} className="cfg-report-failed">
                      <strong>{failure.task}</strong>: {failure.message}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        ) : (
          <>
            <p>
              The {noun.singular} <strong>{configuration.name}</strong>, its tasks and its batches will be removed. Run
              history is kept.
            </p>
            {!configuration.template && (
              <CheckboxField
                label="Clean up"
                checked={cleanup}
                onChange={setCleanup}
                hint="First remove what its tasks created: tables, files, layers. The removal goes on if some of it fails."
              />
            )}
            {removal.isError && (
              <p className="alert alert-error" role="alert">
                {errorMessage(removal.error)}
              </p>
            )}
          </>
        )}
      </div>
      <div className="modal-footer">
        {report ? (
          <button className="button button-primary" type="button" onClick={close} autoFocus>
            Done
          </button>
        ) : (
          <>
            <button className="button" type="button" onClick={onClose} autoFocus>
              Cancel
            </button>
            <button
              className="button button-danger"
              type="button"
              disabled={removal.isPending}
              onClick={() => removal.mutate({ id: configuration.id, cleanup })}
            >
              {removal.isPending ? (cleanup ? 'Cleaning up…' : 'Removing…') : 'Remove'}
            </button>
          </>
        )}
      </div>
    </Modal>
  );
}
