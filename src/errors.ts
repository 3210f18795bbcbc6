// One error type for the whole service. Routes and modules throw AppError with a code of the catalog below; each
// route group of src/server maps it to HTTP in its own error shape (the service's, or the Braintrust protocol's).

/**
 * The catalog: every code the service reports and its HTTP status. The codes are part of the API (the `code` of an
 * error body, the log): add codes, never rename one.
 */
const ERROR_STATUS = {
  BAD_REQUEST: 400,
  /** The request, or a file it carries, is not what its schema says. */
  VALIDATION_FAILED: 400,
  /** A value given for one of an evaluator's declared parameters does not fit its declaration. */
  INVALID_PARAMETER: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** A remote eval names an evaluator this service does not serve. */
  EVALUATOR_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** The work was stopped before it ended: the client went away, or the service is shutting down. */
  CANCELLED: 499,
  INTERNAL: 500,
  UPSTREAM_FAILED: 502,
  BUSY: 503,
  NOT_CONFIGURED: 503,
  TIMEOUT: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** Seconds, sent as Retry-After on 429/503. */
  retryAfter?: number;
}

export class AppError extends Error {
  override name = "AppError";
  readonly statusCode: number;
  readonly details?: unknown;
  readonly retryAfter?: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** A message safe to show a client for any thrown value. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === "string") return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}
