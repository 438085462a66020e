import type { Connection } from '../../../../src/contracts/connections.dto.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { useDeleteConnection } from './connections-api.ts';

export function DeleteConnectionDialog({ connection, onClose }: { connection: Connection; onClose: () => void }) {
  const deletion = useDeleteConnection();
  return (
    <ConfirmDialog
      title={`Delete connection ${connection.name}?`}
      confirmLabel="Delete"
      pending={deletion.isPending}
      error={deletion.error}
      onConfirm={() => deletion.mutate(connection.id, { onSuccess: onClose })}
      onCancel={onClose}
    >
      <p>
        The connection <strong>{connection.name}</strong> and its stored secrets will be removed. Tasks that use it will
        fail until they are given another connection.
      </p>
    </ConfirmDialog>
  );
}
