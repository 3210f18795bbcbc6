import pino from "pino";
import type { Config } from "./config.js";

export type Logger = pino.Logger;

/** Header and field names whose values never reach the logs. */
export const REDACT_PATHS = [
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

export function createLogger(config: Pick<Config, "LOG_LEVEL">, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { service: "sema4-demo" },
    },
    destination,
  );
}
