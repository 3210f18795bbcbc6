// Configuration is read and validated once, here; every other module receives what it needs as arguments.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));
const url = z.string().url();
const int = (min: number) => z.coerce.number().int().min(min);
/** Comma-separated host names (no scheme, port or path), lower-cased; `*` alone stands for any. */
const hostnameList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const names = v.split(",").map((n) => n.trim().toLowerCase().replace(/\.$/, "")).filter(Boolean);
    for (const name of names) {
      if (name === "*") continue;
      let parsed: string | undefined;
      try {
        parsed = new URL(`http://${name}`).hostname;
      } catch {
        parsed = undefined;
      }
      if (parsed !== name) ctx.addIssue({ code: "custom", message: `"${name}" is not a host name (give names like my-app.fly.dev, no scheme or port)` });
    }
    return names.length > 0 ? names : undefined;
  });

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: int(0).max(65535).default(8300),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  // Braintrust: the dev-server routes log in with each caller's token against BRAINTRUST_APP_URL.
  BRAINTRUST_APP_URL: url.default("https://www.braintrust.dev"),
  BRAINTRUST_APP_PUBLIC_URL: url.optional(),
  BRAINTRUST_API_URL: url.optional(),
  BRAINTRUST_PROXY_URL: url.optional(),
  WHITELISTED_ORIGIN: optionalString,
  DEV_ORG_NAME: optionalString,
  // Besides DEV_ORG_NAME, the orgs whose Playground runs may use the service's own model endpoint and key.
  SERVICE_MODEL_ORGS: optionalString.transform((v) => v?.split(",").map((o) => o.trim()).filter(Boolean)),
  // The service's own key, used by ingest, the agent and the push commands; without it they record locally.
  BRAINTRUST_API_KEY: optionalString,
  BRAINTRUST_ORG_NAME: optionalString,
  BRAINTRUST_PROJECT: z.string().min(1).default("sema4-demo"),
  LOGIN_CACHE_SIZE: int(1).default(32),
  LOGIN_CACHE_TTL_MS: int(0).default(5 * 60_000),
  // A refused (token, org) is answered from memory this long, so a flood of bad tokens is not a flood of logins.
  LOGIN_FAILURE_TTL_MS: int(0).default(30_000),
  // Failed logins per minute per client address; past it, 429 for any login not already cached.
  LOGIN_ATTEMPTS_PER_MINUTE: int(1).default(30),

  EVAL_MODULES: optionalString,
  SSE_HEARTBEAT_MS: int(100).default(15_000),
  SHUTDOWN_GRACE_MS: int(0).default(10_000),
  MAX_CONCURRENT_EVALS: int(1).default(20),
  // One caller's share of MAX_CONCURRENT_EVALS, so that a few callers cannot take every slot.
  MAX_CONCURRENT_EVALS_PER_CALLER: int(1).default(5),
  // Cases run at once in one eval when the evaluator sets no maxConcurrency (`braintrust eval --dev` ran all at once).
  EVAL_DEFAULT_CONCURRENCY: int(1).default(64),
  EVAL_CASE_TIMEOUT_MS: int(1).default(10 * 60_000),
  // Requests per minute per caller token (or address) on the routes that spend compute and model credits.
  RATE_LIMIT_EVAL_PER_MINUTE: int(1).default(60),
  RATE_LIMIT_AGENT_PER_MINUTE: int(1).default(30),
  // Largest /eval body: a Playground run sends its dataset rows inline.
  EVAL_BODY_LIMIT: int(1).default(50 * 1024 * 1024),

  DATA_DIR: z.string().min(1).default("./.data"),
  INGEST_BODY_LIMIT: int(1).default(1024 * 1024 * 1024),
  // Decompressed bytes: one task or simulation (the largest real one is about 135 KiB), what all ingests parse at
  // once (memory use is a few times this), and what they spool to disk together.
  INGEST_MAX_ITEM_BYTES: int(1024).default(16 * 1024 * 1024),
  INGEST_MEMORY_BUDGET: int(1024).default(64 * 1024 * 1024),
  INGEST_SPOOL_LIMIT: int(1024).default(8 * 1024 * 1024 * 1024),
  ADMIN_TOKEN: optionalString,
  // Host names the operator routes answer to besides loopback ones (DNS rebinding guard); `*` for any.
  PUBLIC_HOSTNAMES: optionalString.pipe(hostnameList),

  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(url.optional()),
  AGENT_MODEL: z.string().min(1).default("gpt-4o"),
  // Per agent run: LLM calls at most, and its wall-clock limit. AGENT_CONCURRENCY: agent runs at once in all
  // `sema4-demo` evals of the service together, handed out in turn across callers.
  AGENT_MAX_STEPS: int(1).default(24),
  AGENT_TIMEOUT_MS: int(1000).default(5 * 60_000),
  AGENT_CONCURRENCY: int(1).default(4),
  // Unset: beside the local store, so that two checkouts on one machine do not share one (DERIVED_DEFAULTS).
  SEMA4_DB_PATH: optionalString,
  SANDBOX_MODE: z.enum(["auto", "bwrap", "virtual", "unsafe-host"]).default("auto"),
  ALLOW_UNSAFE_SANDBOX: bool.default(false),
  // Per bash_exec: its deadline and the cap on each of stdout/stderr (the rest is cut, the command killed).
  SANDBOX_EXEC_TIMEOUT_MS: int(100).default(30_000),
  SANDBOX_MAX_OUTPUT_BYTES: int(1024).default(256 * 1024),
  // Disk of the agent's runs: one run's workspace (/work and /tmp), and all live runs' together.
  SANDBOX_WORKSPACE_BYTES: int(1024 * 1024).default(64 * 1024 * 1024),
  SANDBOX_TOTAL_WORKSPACE_BYTES: int(1024 * 1024).default(1024 * 1024 * 1024),
  // Model-written SQL (the agent's final query, the sql_correctness scorer): deadline and row cap (BIRD's 30 s).
  SQL_TIMEOUT_MS: int(100).default(30_000),
  SQL_MAX_ROWS: int(1).default(100_000),
});

/** Defaults computed from other settings, as the README's settings table writes them. */
export const DERIVED_DEFAULTS: Partial<Record<keyof z.infer<typeof configSchema>, string>> = {
  SEMA4_DB_PATH: "DATA_DIR/sema4_eval.db",
};

export type Config = Omit<z.infer<typeof configSchema>, "SEMA4_DB_PATH"> & { SEMA4_DB_PATH: string };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** What a setting accepts, read from its schema: said in the error when a value is refused. */
function allowed(schema: z.ZodType): string {
  const def = (schema as { def?: { type?: string } }).def;
  switch (def?.type) {
    case "default":
    case "optional":
      return allowed((schema as unknown as { unwrap(): z.ZodType }).unwrap());
    case "pipe": {
      const { in: input, out } = def as unknown as { in: z.ZodType; out: z.ZodType };
      return (out as { def?: { type?: string } }).def?.type === "transform" ? allowed(input) : allowed(out);
    }
    case "number": {
      const n = schema as unknown as { minValue: number | null; maxValue: number | null };
      const range =
        n.maxValue !== null && n.maxValue < Number.MAX_SAFE_INTEGER ? `from ${n.minValue} to ${n.maxValue}` : `of ${n.minValue} or more`;
      return `a whole number ${range}`;
    }
    case "enum": {
      const options = (schema as unknown as { options: string[] }).options;
      return options.includes("true") ? "true or false" : `one of ${options.join(", ")}`;
    }
    case "string":
      return (schema as { format?: string }).format === "url" ? "a URL (http://… or https://…)" : "a text";
    default:
      return "another value";
  }
}

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const key = String(issue.path[0] ?? "");
  const field = (configSchema.shape as Record<string, z.ZodType>)[key];
  if (!field) return `${key}: ${issue.message}`;
  const value = env[key];
  const unset = DERIVED_DEFAULTS[key as keyof typeof DERIVED_DEFAULTS] ?? (field as { def?: { defaultValue?: unknown } }).def?.defaultValue;
  const shown = value === undefined ? "(unset)" : JSON.stringify(value);
  const instead = value !== undefined && value.trim() === "" && unset !== undefined ? `, or leave it unset for ${String(unset)}` : "";
  return `${key}=${shown} is not valid: set ${allowed(field)}${instead}`;
}

/** Numbers from an empty value: z.coerce would read it as 0 (PORT= would listen on a random port). */
function emptyNumbers(env: NodeJS.ProcessEnv): z.core.$ZodIssue[] {
  return Object.entries(configSchema.shape)
    .filter(([key, field]) => env[key]?.trim() === "" && allowed(field).startsWith("a whole number"))
    .map(([key]) => ({ code: "custom", path: [key], message: "empty", input: "" }) as z.core.$ZodIssue);
}

/** Parses the environment; a wrong value throws a ConfigError with a line per offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  const issues = [...emptyNumbers(env), ...(parsed.success ? [] : parsed.error.issues)];
  if (!parsed.success || issues.length > 0) {
    const lines = [...new Set(issues.map((i) => `  ${describeIssue(i, env)}`))];
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const config: Config = { ...parsed.data, SEMA4_DB_PATH: parsed.data.SEMA4_DB_PATH ?? join(parsed.data.DATA_DIR, "sema4_eval.db") };
  if (config.NODE_ENV === "production" && config.SANDBOX_MODE === "unsafe-host") {
    throw new ConfigError("Invalid configuration:\n  SANDBOX_MODE: unsafe-host is refused when NODE_ENV=production");
  }
  if (config.INGEST_MEMORY_BUDGET < config.INGEST_MAX_ITEM_BYTES) {
    throw new ConfigError("Invalid configuration:\n  INGEST_MEMORY_BUDGET: must be at least INGEST_MAX_ITEM_BYTES");
  }
  return config;
}

/**
 * The service's and the CLIs' config: a `.env` file in the working directory is read first, as the original
 * scripts' users expect, without overriding what the environment already sets.
 */
export function loadProcessConfig(envFile = ".env"): Config {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return loadConfig(process.env);
}

/** A config for tests and tools: defaults plus the given overrides, validated like the real one. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", PORT: "0", HOST: "127.0.0.1", ...overrides });
}
