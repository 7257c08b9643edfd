import type { ErrorRequestHandler } from 'express';
import { errorLogLimiter, type ErrorLogLimits, type Logger } from './logger';

/**
 * Errors are thrown as HttpError anywhere and turned into RFC 9457 problem+json in exactly
 * one place (problemHandler). Database error codes are mapped in exactly one place
 * (fromDatabaseError). Responses never carry stacks, SQL or constraint names.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  static badRequest(detail: string, errors?: FieldError[]) {
    return new HttpError(400, 'Bad Request', detail, errors);
  }
  static validation(errors: FieldError[]) {
    return new HttpError(400, 'Validation Failed', 'The request is not valid.', errors);
  }
  /** Every 401 names a scheme (RFC 9110): a bearer token is the one a client can always use. */
  static unauthorized(detail = 'Authentication is required.') {
    return new HttpError(401, 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
  /** A bearer token that is unknown, expired or revoked: never a fall-back to the cookie. */
  static invalidBearer() {
    return new HttpError(401, 'Unauthorized', 'The bearer token is not valid.', undefined, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  static forbidden(detail = 'You may not do this.') {
    return new HttpError(403, 'Forbidden', detail);
  }
  static notFound(detail = 'Not found.') {
    return new HttpError(404, 'Not Found', detail);
  }
  static conflict(detail: string) {
    return new HttpError(409, 'Conflict', detail);
  }
  static preconditionFailed(detail: string) {
    return new HttpError(412, 'Precondition Failed', detail);
  }
  static preconditionRequired(detail: string) {
    return new HttpError(428, 'Precondition Required', detail);
  }
  static tooLarge(detail: string) {
    return new HttpError(413, 'Content Too Large', detail);
  }
  static unsupportedMediaType(detail: string) {
    return new HttpError(415, 'Unsupported Media Type', detail);
  }
  static tooManyRequests(retryAfterSeconds: number) {
    return new HttpError(429, 'Too Many Requests', 'Too many attempts; try again later.', undefined, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
  static unavailable(detail = 'A service this request needs is unavailable; try again shortly.') {
    return new HttpError(503, 'Service Unavailable', detail, undefined, { 'Retry-After': '5' });
  }
}

const SLUGS: Record<number, string> = {
  400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed',
  408: 'request-timeout', 409: 'conflict', 412: 'precondition-failed', 413: 'content-too-large', 415: 'unsupported-media-type',
  428: 'precondition-required', 429: 'too-many-requests', 431: 'request-header-fields-too-large', 500: 'internal-error', 503: 'service-unavailable',
};

export function problemType(status: number, title?: string): string {
  if (title === 'Validation Failed') return 'urn:problem:validation-failed';
  return `urn:problem:${SLUGS[status] ?? 'error'}`;
}

interface DatabaseError {
  code?: string;
  message?: string;
  routine?: string;
  constraint?: string;
}

/**
 * What a duplicate means to the client, by the unique constraint it broke. Each says what to
 * do and names nobody: the other row may be another tenant's (a slug) or another person's.
 */
const DUPLICATES: Record<string, string> = {
  users_email_key: 'That email or username is already registered.',
  users_username_key: 'That email or username is already registered.',
  workspaces_slug_key: 'That slug is already taken.',
  workspace_members_workspace_user_key:
    'That user is already a member of the workspace; PATCH /workspaces/{id}/members/{userId} changes their role.',
  project_members_project_user_key:
    'That user is already a member of the project; PATCH /projects/{id}/members/{userId} changes their role.',
  task_dependencies_task_depends_on_key: 'This task already depends on that task.',
};

/**
 * The field a client sent against a CHECK rule of the data that its schema could not see
 * (a due date is compared with the row's own creation time), so the 400 can name it.
 */
const FIELD_RULES: Record<string, FieldError> = {
  chk_due_date_future: { path: 'body.dueDate', message: 'Must be later than the time the task was created.' },
  chk_estimated_hours_positive: { path: 'body.estimatedHours', message: 'Must be greater than 0.' },
  chk_actual_hours_positive: { path: 'body.actualHours', message: 'Must be greater than 0.' },
  chk_task_title_not_empty: { path: 'body.title', message: 'Must not be blank.' },
  chk_document_title_not_empty: { path: 'body.title', message: 'Must not be blank.' },
  chk_project_name_not_empty: { path: 'body.name', message: 'Must not be blank.' },
  chk_workspace_name_not_empty: { path: 'body.name', message: 'Must not be blank.' },
  chk_workspace_slug_format: { path: 'body.slug', message: 'Lower-case letters, digits and inner hyphens, at most 63 characters.' },
  chk_email_format: { path: 'body.email', message: 'Must be an email address.' },
  chk_username_length: { path: 'body.username', message: 'Must be 3 to 50 characters.' },
};

/** The data exceptions (class 22) that can say more than "not valid". */
const DATA_EXCEPTIONS: Record<string, string> = {
  '22001': 'A value in the request is too long.',
  '22009': 'A time zone offset in the request is out of range: it must be between -15:59 and +15:59.',
};

/** The one map from PostgreSQL error codes to HTTP answers. */
export function fromDatabaseError(error: unknown): HttpError | undefined {
  const { code, message = '', constraint } = (error ?? {}) as DatabaseError;
  if (typeof code !== 'string') return undefined;
  // Class 22, data exception: a value the client sent that PostgreSQL cannot take (a bad uuid
  // or enum text, a NUL byte, a number or date out of range, a time zone offset beyond
  // ±15:59, ...). Every code of the class is bad input: 400, never 500.
  if (code.startsWith('22')) return HttpError.badRequest(DATA_EXCEPTIONS[code] ?? 'A value in the request is not valid.');
  switch (code) {
    case '23502':
      return HttpError.badRequest('A required value is missing.');
    case '23514':
      if (constraint && FIELD_RULES[constraint]) return HttpError.validation([FIELD_RULES[constraint]]);
      return HttpError.badRequest('A value in the request breaks a rule of the data (for example a date or a number out of range).');
    case '23503':
      return message.startsWith('update or delete')
        ? HttpError.conflict('This is still referenced by other data.')
        : HttpError.badRequest('The request refers to something that does not exist.');
    case '23505':
      return HttpError.conflict(DUPLICATES[constraint ?? ''] ?? 'This conflicts with an existing resource.');
    case '40001':
    case '40P01':
      return HttpError.conflict('The request conflicted with a concurrent change; retry it.');
    case '42501': // a row-level security WITH CHECK or a column privilege refused the write
      return HttpError.forbidden();
    case 'PM401': // app_begin_request(): the account is no longer active
      return HttpError.unauthorized('This account is not active.');
    case 'PM498': // app_begin_request(): the API token was revoked or has expired
      return HttpError.invalidBearer();
    case 'PM409': // raised on purpose by our own triggers, with a message written for clients
      return HttpError.conflict(message);
    case '57014': // statement timeout
    case '57P01': // admin shutdown
    case '57P02':
    case '57P03':
    case '53300': // too many connections
    case '08000':
    case '08003':
    case '08006':
    case '08001':
    case '08004':
    case '08P01': // pgBouncer's code for its own failures: server login has been failing, server conn crashed?, query_wait_timeout
      return HttpError.unavailable();
    default:
      return undefined;
  }
}

export function isRetryableDatabaseError(error: unknown): boolean {
  const code = (error as DatabaseError | undefined)?.code;
  return code === '40001' || code === '40P01';
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated', 'timeout exceeded when trying to connect', 'The client is closed',
  'Socket closed unexpectedly', 'Connection is closed', 'lient has encountered a connection error',
  'is offline', 'ClientClosedError',
  'Query read timeout', // pg's query_timeout (src/db/options.ts): no answer from the database in time
];

/** A dependency (PostgreSQL, pgBouncer, Redis) that is down: 503, not 500. */
export function isUnavailableError(error: unknown): boolean {
  const e = error as { code?: string; message?: string; name?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  const text = `${e.name ?? ''} ${e.message ?? ''}`;
  if (UNAVAILABLE_MESSAGES.some((m) => text.includes(m))) return true;
  return e.cause !== undefined && e.cause !== error && isUnavailableError(e.cause);
}

/** Errors thrown by body parsers and middleware that carry a status (http-errors style). */
function fromMiddlewareError(error: unknown): HttpError | undefined {
  const e = error as { status?: number; statusCode?: number; type?: string; code?: string; message?: string; field?: string };
  if (e?.code === 'LIMIT_FILE_SIZE') return HttpError.tooLarge('The file is larger than the upload limit.');
  if (e?.code === 'LIMIT_UNEXPECTED_FILE' || e?.code === 'LIMIT_FILE_COUNT') {
    // A file in another field, or a second file: say which field, and what is expected.
    return HttpError.validation([{ path: `body.${e.field ?? 'file'}`, message: 'Send one file, in the field "file".' }]);
  }
  if (typeof e?.code === 'string' && e.code.startsWith('LIMIT_')) return HttpError.badRequest('The multipart upload is not valid.');
  const status = e?.status ?? e?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (e.type) {
    case 'entity.parse.failed':
      return HttpError.badRequest('The request body is not valid JSON.');
    case 'entity.too.large':
      return HttpError.tooLarge('The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return HttpError.unsupportedMediaType('The request body encoding is not supported.');
    default:
      return new HttpError(status, status === 403 ? 'Forbidden' : 'Bad Request',
        status === 403 ? 'You may not do this.' : 'The request is not valid.');
  }
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const mapped = fromDatabaseError(error) ?? fromMiddlewareError(error);
  if (mapped) return mapped;
  if (isUnavailableError(error)) return HttpError.unavailable();
  return new HttpError(500, 'Internal Server Error', 'Something went wrong on our side.');
}

/**
 * What a failure is, for rate-limiting its log lines: the answer's status and the error's code
 * or name and first line, with ids and numbers blurred so one failure is one kind.
 */
export function errorKind(error: unknown, status: number): string {
  const e = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  const cause = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const firstLine = String(e.message ?? '').split('\n')[0].slice(0, 120)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\d+/g, '<n>');
  return `${status} ${cause}: ${firstLine}`;
}

/** The one error handler: every failure leaves as application/problem+json. */
export function problemHandler(logger: Logger, limits?: ErrorLogLimits): ErrorRequestHandler {
  const logError = errorLogLimiter(logger, limits);
  return (error, req, res, _next) => {
    const http = toHttpError(error);
    if (http.status >= 500) logError(errorKind(error, http.status), { err: error, reqId: req.id }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(http.headers)) res.setHeader(name, value);
    res.status(http.status).type('application/problem+json').json(problem(http, req.originalUrl));
  };
}

export function problem(http: HttpError, instance?: string) {
  return {
    type: problemType(http.status, http.title),
    title: http.title,
    status: http.status,
    detail: http.detail,
    ...(instance ? { instance: instance.split('?')[0] } : {}),
    ...(http.errors ? { errors: http.errors } : {}),
  };
}
