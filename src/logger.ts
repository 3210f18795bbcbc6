import pino from "pino";
import type { Config } from "./config.js";
import { REDACTED } from "./lib/secretRedactor.js";
import { serviceRedactor, type SecretsConfig } from "./redaction.js";

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

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "fatal" };

/** Log lines as a person reads them on a terminal: `warning: message (key=value …)`, on stderr. */
function readableLines(): pino.DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stderr.write(line);
        return;
      }
      const { level, time: _time, service: _service, pid: _pid, hostname: _host, msg, err, ...fields } = entry;
      const cause = (err as { message?: unknown } | undefined)?.message;
      const details = Object.entries(fields)
        .filter(([, v]) => v !== null && typeof v !== "object")
        .map(([k, v]) => `${k}=${String(v)}`);
      const text = [msg, cause].filter((t) => typeof t === "string" && t !== "").join(": ");
      process.stderr.write(`${LEVEL_NAMES[Number(level)] ?? "log"}: ${text}${details.length ? ` (${details.join(", ")})` : ""}\n`);
    },
  };
}

/**
 * The logger of a command-line tool: warnings and errors only (unless LOG_LEVEL asks for more than info), as
 * readable lines on stderr, redacted like the service's; stdout stays the tool's own output.
 */
export function createCliLogger(config: Pick<Config, "LOG_LEVEL"> & SecretsConfig): Logger {
  return createLogger({ ...config, LOG_LEVEL: config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL }, readableLines());
}
