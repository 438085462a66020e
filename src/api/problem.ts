import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

import type { Problem } from '../contracts/common.dto.ts';
import { type ErrorDetail, isGeosyncError } from '../errors/errors.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own client errors, with the stable codes geosync answers with. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
};

function validationDetails(
  error: { validation: { instancePath: string; message?: string; params?: unknown }[] },
  context: string,
): ErrorDetail[] {
  return error.validation.map((v) => {
    const path = v.instancePath.replace(/^\//, '').split('/').filter(Boolean);
    // An unknown field is reported on its parent; name the field itself.
    const keys = (v.params as { keys?: string[] } | undefined)?.keys;
    if (keys?.length) path.push(keys[0]!);
    const prefix = context === 'body' ? [] : [context === 'querystring' ? 'query' : context];
    return { field: [...prefix, ...path].join('.') || undefined, message: v.message ?? 'invalid' };
  });
}

export function toProblem(error: unknown, request: FastifyRequest): Problem {
  const base = { type: 'about:blank', instance: request.url, requestId: String(request.id) };
  if (isGeosyncError(error)) {
    const status =
      'status' in error && typeof error.status === 'number' ? error.status : error.kind === 'operational' ? 503 : 500;
    const detail = error.kind === 'unexpected' ? 'An internal error occurred; the log has details' : error.message;
    const errors = error.details.length > 0 && status < 500 ? error.details : undefined;
    return { ...base, status, title: TITLES[status] ?? 'Error', detail, code: error.code, errors };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext ?? 'body';
    const errors = validationDetails(error, context);
    const where = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
    return {
      ...base,
      status: 400,
      title: TITLES[400]!,
      detail: `Invalid request ${context}: ${where}`,
      code: 'invalid_input',
      errors,
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fastifyError.code ?? ''] ?? 'bad_request';
    return { ...base, status, title: TITLES[status] ?? 'Error', detail: fastifyError.message ?? 'Bad request', code };
  }
  return {
    ...base,
    status: 500,
    title: TITLES[500]!,
    detail: 'An internal error occurred; the log has details',
    code: 'internal',
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
