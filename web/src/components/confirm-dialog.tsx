import type { ReactNode } from 'react';

import { errorMessage } from '../api-client.ts';
import { Modal } from './modal.tsx';

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal title={title} onClose={onCancel} size="small">
      <div className="modal-body">
        {children}
        {error != null && (
          <p className="alert alert-error" role="alert">
            {errorMessage(error)}
          </p>
        )}
      </div>
      <div className="modal-footer">
        <button className="button" type="button" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button className="button button-danger" type="button" onClick={onConfirm} disabled={pending}>
          {pending ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
