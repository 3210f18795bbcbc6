import pino from "pino";
import type { Config } from "./config.js";
import { REDACTED } from "./lib/secretRedactor.js";
import { serviceRedactor, type SecretsConfig } from "./redaction.js";

export type Logger = pino.Logger;

/** Header and field names whose values never reach the logs. */
const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-bt-auth-token"]',
  'req.headers["x-api-key"]',
  "headers.authorization",
  'headers["x-bt-auth-token"]',
  "*.apiKey",
  "*.api_key",
  "*.token",
  "*.password",
  "*.secret",
];

/**
 * The service's logger. Besides the paths above, every line goes through the service's redactor as written, so no
 * field (an error's message, its cause's, a URL) can carry one of the service's keys, raw or encoded.
 */
export function createLogger(config: Pick<Config, "LOG_LEVEL"> & SecretsConfig, destination?: pino.DestinationStream): Logger {
  const redactor = serviceRedactor(config);
  return pino(
    {
      level: config.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: { service: "sema4-demo" },
      hooks: { streamWrite: (line) => redactor.text(line) },
    },
    destination,
  );
}
