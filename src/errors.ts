// One error type for the whole service. Routes and modules throw AppError; src/server/errorHandler.ts maps it to HTTP.
export type ErrorCode =
  | "BAD_REQUEST"
  | "VALIDATION_FAILED"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "RATE_LIMITED"
  | "BUSY"
  | "NOT_CONFIGURED"
  | "UPSTREAM_FAILED"
  | "CANCELLED"
  | "TIMEOUT"
  | "INTERNAL";

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  BUSY: 503,
  NOT_CONFIGURED: 503,
  UPSTREAM_FAILED: 502,
  CANCELLED: 499,
  TIMEOUT: 504,
  INTERNAL: 500,
};

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** Seconds, sent as Retry-After on 429/503. */
  retryAfter?: number;
  /**
   * The Braintrust dev-server protocol has two error bodies: `{"error":{"message","status"}}` and a flat
   * `{"error":"…"}`. Clients of those routes match them byte for byte, so such errors say which one they use.
   */
  wire?: "braintrust" | "braintrust-flat";
}

export class AppError extends Error {
  override name = "AppError";
  readonly statusCode: number;
  readonly details?: unknown;
  readonly retryAfter?: number;
  readonly wire?: AppErrorOptions["wire"];

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = STATUS[code];
    this.details = options.details;
    this.retryAfter = options.retryAfter;
    this.wire = options.wire;
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
