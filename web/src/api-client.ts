import type { Problem } from '../../src/contracts/common.dto.ts';

export type FieldProblem = NonNullable<Problem['errors']>[number];

/** An API answer other than 2xx, carrying the server's problem details (RFC 9457). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldProblem[];

  constructor(init: { status: number; code: string; detail: string; errors?: FieldProblem[] }) {
    super(init.detail);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
  }
}

/** What to tell a user about any error a request threw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}

const apiBase = '/api/v1';
const changingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken: string | undefined;

/** Set from the session (login, `/auth/me`); sent on every request that changes something. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export type QueryParams = Record<string, string | number | boolean | undefined>;

export function withQuery(path: string, params: QueryParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

interface RequestOptions {
  signal?: AbortSignal;
}

async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (changingMethods.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(apiBase + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError({
      status: 0,
      code: 'network_error',
      detail: 'Cannot reach the geosync server. Check the connection and try again.',
    });
  }

  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function toApiError(response: Response): Promise<ApiError> {
  return problemToApiError(
    response.status,
    response.statusText,
    response.headers.get('content-type'),
    await response.text().catch(() => ''),
  );
}

function problemToApiError(status: number, statusText: string, contentType: string | null, body: string): ApiError {
  const fallback = `The server answered ${status} ${statusText}`.trim();
  let problem: Partial<Problem> = {};
  if ((contentType ?? '').includes('json')) {
    try {
      problem = JSON.parse(body) as Partial<Problem>;
    } catch {
      // A broken error body still leaves the status to report.
    }
  }
  return new ApiError({
    status,
    code: typeof problem.code === 'string' ? problem.code : `http_${status}`,
    detail: problem.detail || problem.title || fallback,
    errors: Array.isArray(problem.errors) ? problem.errors : [],
  });
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, body, options),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PATCH', path, body, options),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
  delete: <T = void>(path: string, options?: RequestOptions) => request<T>('DELETE', path, undefined, options),
  /** A raw body (a file), with upload progress: see `putRaw`. */
  putRaw: <T>(path: string, body: Blob, options?: UploadOptions) => putRaw<T>(path, body, options),
};

export interface UploadProgress {
  loaded: number;
  /** The body's size in bytes. */
  total: number;
}

export interface UploadOptions {
  signal?: AbortSignal;
  /** Called as the body is sent; `loaded === total` once it is all sent (the server may still be working). */
  onProgress?: (progress: UploadProgress) => void;
}

/**
 * `PUT` with a raw body (a file's bytes), through XMLHttpRequest: fetch cannot report upload
 * progress. Sends the CSRF header like every other write; answers and errors as `request` does.
 */
export function putRaw<T>(path: string, body: Blob, options: UploadOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal, onProgress } = options;
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', apiBase + path);
    xhr.setRequestHeader('accept', 'application/json, application/problem+json');
    // The body is stored as it is: the server reads any content type as bytes.
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);

    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);

    if (onProgress) {
      xhr.upload.addEventListener('progress', (event) => {
        onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : body.size });
      });
    }
    xhr.addEventListener('load', () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
        return;
      }
      reject(problemToApiError(xhr.status, xhr.statusText, xhr.getResponseHeader('content-type'), xhr.responseText));
    });
    xhr.addEventListener('error', () => {
      done();
      reject(
        new ApiError({
          status: 0,
          code: 'network_error',
          detail:
            'The upload did not reach the geosync server, or the server closed the connection (the file may be larger than it accepts). Check the connection and try again.',
        }),
      );
    });
    xhr.addEventListener('abort', () => {
      done();
      reject(abortReason(signal));
    });
    xhr.send(body);
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The upload was cancelled', 'AbortError');
}
