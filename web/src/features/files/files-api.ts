import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import type { Connection } from '../../../../src/contracts/connections.dto.ts';
import type { FileListing, FileUploadResult } from '../../../../src/contracts/files.dto.ts';
import { type UploadProgress, api, withQuery } from '../../api-client.ts';

const filesKey = (connectionId: string) => ['files', connectionId] as const;

export function useConnection(id: string) {
  return useQuery({
    queryKey: ['connections', 'one', id],
    queryFn: ({ signal }) => api.get<Connection>(`/connections/${encodeURIComponent(id)}`, { signal }),
  });
}

/** The direct children of `folder` (`''` = the root). */
export function useFileListing(connectionId: string, folder: string, enabled = true) {
  return useQuery({
    queryKey: [...filesKey(connectionId), folder],
    queryFn: ({ signal }) =>
      api.get<FileListing>(withQuery(`/connections/${encodeURIComponent(connectionId)}/files`, { path: folder }), {
        signal,
      }),
    enabled,
  });
}

export interface UploadInput {
  file: Blob;
  /** Where to store it, relative to the root. */
  path: string;
  prepare: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
}

export function useUploadFile(connectionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ file, path, prepare, signal, onProgress }: UploadInput) =>
      api.putRaw<FileUploadResult>(
        withQuery(`/connections/${encodeURIComponent(connectionId)}/files`, {
          path,
          prepare: prepare ? 'true' : 'false',
        }),
        file,
        { signal, onProgress },
      ),
    // Every folder: an upload to `a/b/x` can also create folders `a` and `a/b`.
    onSettled: () => queryClient.invalidateQueries({ queryKey: filesKey(connectionId) }),
  });
}
