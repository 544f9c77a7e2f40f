/**
 * One error shape everywhere, `{"error": {"code", "message"}}`, including Fastify's own errors
 * (content-type parser, body limit, malformed JSON, 404): clients parse a single format.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length'],
  FST_ERR_CTP_INVALID_CONTENT_ENCODING: [415, 'unsupported_content_encoding'],
  FST_ERR_VALIDATION: [400, 'invalid_request'],
};

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'queue_full',
  503: 'unavailable',
};

export interface MappedError {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** Maps any thrown value to status + code; unknown errors become a 500 without internals. */
export function mapError(err: unknown, retryAfterS: number): MappedError {
  const e = err as Partial<FastifyError> & { status?: number; name?: string; message?: string };
  if (err instanceof HttpError)
    return { status: err.status, code: err.code, message: err.message, headers: err.headers };
  if (e?.name === 'QueueFullError') {
    const hinted = (err as { retryAfterS?: number }).retryAfterS;
    const wait = typeof hinted === 'number' && hinted > 0 ? Math.ceil(hinted) : retryAfterS;
    return {
      status: 429,
      code: 'queue_full',
      message: `${(err as { reason?: string }).reason ?? 'ingest queue is full'}; retry after ${wait}s`,
      headers: { 'retry-after': String(wait) },
    };
  }
  if (e?.name === 'PipelineClosedError') {
    return { status: 503, code: 'unavailable', message: 'server is shutting down', headers: { 'retry-after': '5' } };
  }
  // IngestError, QueryError, KeyError carry code + status of their own.
  if ((e?.name === 'IngestError' || e?.name === 'QueryError') && typeof e.status === 'number') {
    return { status: e.status, code: String(e.code), message: String(e.message), headers: {} };
  }
  if (e?.code === 'invalid_cursor') {
    return { status: 400, code: 'invalid_cursor', message: 'cursor is invalid or expired', headers: {} };
  }
  if (e?.name === 'KeyError') {
    return {
      status: e.code === 'not_found' ? 404 : 400,
      code: String(e.code),
      message: String(e.message),
      headers: {},
    };
  }
  if (typeof e?.code === 'string' && FASTIFY_CODES[e.code]) {
    const [status, code] = FASTIFY_CODES[e.code];
    const message =
      code === 'unsupported_media_type'
        ? 'unsupported Content-Type: send application/x-protobuf or application/json'
        : String(e.message);
    return { status, code, message, headers: {} };
  }
  if (e instanceof SyntaxError || (e?.statusCode === 400 && e?.name === 'SyntaxError')) {
    return { status: 400, code: 'invalid_json', message: `body is not valid JSON: ${e.message}`, headers: {} };
  }
  const status = typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  if (status < 500) {
    return {
      status,
      code: STATUS_CODES[status] ?? 'bad_request',
      message: String(e?.message ?? 'bad request'),
      headers: {},
    };
  }
  return { status: 500, code: 'internal_error', message: 'internal server error', headers: {} };
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(code, message));
}

export function makeErrorHandler(retryAfterS: number, onServerError: (err: unknown, req: FastifyRequest) => void) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const m = mapError(err, retryAfterS);
    if (m.status >= 500) onServerError(err, request);
    for (const [k, v] of Object.entries(m.headers)) reply.header(k, v);
    return sendError(reply, m.status, m.code, m.message);
  };
}
