// The one factory for the agent's model client: OpenAI, any OpenAI-compatible server (Ollama, vLLM, a gateway),
// or the Braintrust AI proxy with a given token (the service's key, or a Playground caller's own).
// Every call is traced: an `llm` span under the caller's span with the messages, the reply, the token counts and
// any error. The span is passed in rather than found in async context, so the same client traces under a
// braintrust SDK span (a Playground eval) and under a local Recorder span alike.
// Retries are ours, not the SDK's: a 429's retry-after is honoured only up to a cap, and waiting stops on abort. A
// rate limit is the endpoint asking to slow down, not failing: 429s have retries of their own, more of them, so that
// a low rate-limit tier slows a run down instead of failing it (the run's own limits, AGENT_TIMEOUT_MS and the
// eval's budget, still bound the waiting).
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { Config } from "../config.js";
import { AppError, messageOf } from "../errors.js";
import { createSecretRedactor, type SecretRedactor } from "../lib/secretRedactor.js";
import type { RecorderSpan } from "../recorder/types.js";

export type ModelAccess =
  | { provider: "openai"; apiKey: string }
  | { provider: "compatible"; baseURL: string; apiKey?: string }
  | { provider: "braintrust-proxy"; apiKey: string; proxyUrl: string; orgName?: string };

export const MODEL_NOT_CONFIGURED =
  "No model endpoint is configured: set OPENAI_API_KEY (OpenAI), OPENAI_BASE_URL (an OpenAI-compatible server " +
  "such as Ollama or vLLM) or BRAINTRUST_API_KEY (models through the Braintrust AI proxy).";

const DEFAULT_PROXY_URL = "https://api.braintrust.dev";

export type ModelConfig = Pick<
  Config,
  "OPENAI_API_KEY" | "OPENAI_BASE_URL" | "BRAINTRUST_API_KEY" | "BRAINTRUST_PROXY_URL" | "BRAINTRUST_API_URL" | "BRAINTRUST_ORG_NAME"
>;

/** The service's own model endpoint, in order of precedence; undefined when none is configured. */
export function serviceModelAccess(config: ModelConfig): ModelAccess | undefined {
  if (config.OPENAI_BASE_URL) return { provider: "compatible", baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY };
  if (config.OPENAI_API_KEY) return { provider: "openai", apiKey: config.OPENAI_API_KEY };
  if (config.BRAINTRUST_API_KEY) {
    return {
      provider: "braintrust-proxy",
      apiKey: config.BRAINTRUST_API_KEY,
      proxyUrl: config.BRAINTRUST_PROXY_URL ?? config.BRAINTRUST_API_URL ?? DEFAULT_PROXY_URL,
      orgName: config.BRAINTRUST_ORG_NAME,
    };
  }
  return undefined;
}

/** The OpenAI-compatible base of the proxy: its URL without any `/v1/proxy` it was given with, plus `/v1/proxy`. */
function proxyBaseUrl(proxyUrl: string): string {
  return `${proxyUrl.replace(/\/+$/, "").replace(/\/v1\/proxy$/, "")}/v1/proxy`;
}

function baseUrlOf(access: ModelAccess): string {
  if (access.provider === "openai") return "https://api.openai.com/v1";
  if (access.provider === "compatible") return access.baseURL;
  return proxyBaseUrl(access.proxyUrl);
}

export interface ModelClient {
  /** Where calls go, without credentials: for logs and traces. */
  readonly endpoint: { provider: ModelAccess["provider"]; baseURL: string };
  complete(
    request: ChatCompletionCreateParamsNonStreaming,
    context: { span: RecorderSpan; signal?: AbortSignal },
  ): Promise<ChatCompletion>;
}

export interface ModelClientOptions {
  /** Retries after a 5xx, a 408/409 or a dropped connection. */
  maxRetries?: number;
  /** Retries after a 429, counted apart. */
  maxRateLimitRetries?: number;
  /** A retry-after longer than this fails the call instead of waiting. */
  maxRetryDelayMs?: number;
  /** Per HTTP request. */
  requestTimeoutMs?: number;
  /** The service's redactor, for what an endpoint's errors say; the client adds its own key to it. */
  redactor?: SecretRedactor;
}

const RETRYABLE = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * How long to wait before retrying (`told`: the endpoint said so), or undefined when the error is not worth a
 * retry. Our own backoff doubles from 500 ms.
 */
function retryDelay(error: unknown, attempt: number): { ms: number; told: boolean } | undefined {
  if (error instanceof APIUserAbortError) return undefined;
  if (error instanceof APIConnectionError) return { ms: 500 * 2 ** attempt, told: false };
  if (!(error instanceof APIError) || error.status === undefined || !RETRYABLE(error.status)) return undefined;
  const headers = error.headers;
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms)) return { ms: Math.max(0, ms), told: true };
  const after = headers?.get("retry-after");
  if (after) {
    const seconds = Number.parseFloat(after);
    if (Number.isFinite(seconds)) return { ms: Math.max(0, seconds * 1000), told: true };
    const date = Date.parse(after);
    if (Number.isFinite(date)) return { ms: Math.max(0, date - Date.now()), told: true };
  }
  return { ms: 500 * 2 ** attempt * (1 - Math.random() * 0.25), told: false };
}

const isRateLimit = (error: unknown) => error instanceof APIError && error.status === 429;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AppError("CANCELLED", "cancelled while waiting to retry the model call"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The messages of what caused an error (a refused connection under "Connection error."), innermost last. */
function causesOf(error: unknown): string {
  const messages: string[] = [];
  for (let c = (error as { cause?: unknown }).cause; c instanceof Error && messages.length < 3; c = c.cause) messages.push(c.message);
  return messages.length ? ` (${messages.join(": ")})` : "";
}

/**
 * A failed model call as our error. An endpoint's message may echo the key it was sent (a 401 of some gateways), so
 * the message is redacted and the upstream error itself is not kept as the cause: it would reach logs and traces.
 */
function modelCallError(error: unknown, baseURL: string, redact: (text: string) => string, signal?: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  if (signal?.aborted || error instanceof APIUserAbortError) return new AppError("CANCELLED", "the model call was cancelled");
  if (error instanceof APIConnectionError) {
    return new AppError("UPSTREAM_FAILED", redact(`could not reach the model endpoint at ${baseURL}: ${error.message}${causesOf(error)}`));
  }
  if (error instanceof APIError && error.status === 429) {
    const seconds = Number.parseFloat(error.headers?.get("retry-after") ?? "");
    return new AppError("RATE_LIMITED", redact(`the model endpoint is rate-limiting requests: ${error.message}`), {
      retryAfter: Number.isFinite(seconds) ? Math.ceil(seconds) : undefined,
    });
  }
  if (error instanceof APIError && error.status !== undefined) {
    return new AppError("UPSTREAM_FAILED", redact(`the model endpoint answered ${error.status}: ${error.message}`));
  }
  return new AppError("UPSTREAM_FAILED", redact(`the model call failed: ${messageOf(error)}`));
}

export function createModelClient(access: ModelAccess, options: ModelClientOptions = {}): ModelClient {
  const maxRetries = options.maxRetries ?? 3;
  const maxRateLimitRetries = options.maxRateLimitRetries ?? 10;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 20_000;
  const baseURL = baseUrlOf(access);
  // The key this client sends is the one an endpoint would echo; it is redacted even without the service's redactor.
  const redact = (options.redactor ?? createSecretRedactor([])).with([access.apiKey]);
  const openai = new OpenAI({
    baseURL,
    // A local server often wants no key, but the SDK insists on one.
    apiKey: access.apiKey ?? "no-key",
    maxRetries: 0,
    timeout: options.requestTimeoutMs ?? 120_000,
    defaultHeaders: access.provider === "braintrust-proxy" && access.orgName ? { "x-bt-org-name": access.orgName } : undefined,
  });

  async function withRetries(request: ChatCompletionCreateParamsNonStreaming, signal?: AbortSignal) {
    let failures = 0;
    let rateLimits = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        // A signal of its own per request: the SDK never removes the listener it adds, and a run's signal
        // lives through dozens of calls.
        const own = signal ? AbortSignal.any([signal]) : undefined;
        return { completion: await openai.chat.completions.create(request, { signal: own }), attempts: attempt + 1 };
      } catch (error) {
        const limited = isRateLimit(error);
        const delay = retryDelay(error, limited ? rateLimits : failures);
        const spent = limited ? rateLimits++ >= maxRateLimitRetries : failures++ >= maxRetries;
        // A wait the endpoint asks for beyond the cap fails the call at once (the error says when to retry); our
        // own backoff just stops growing there.
        if (delay === undefined || spent || (delay.told && delay.ms > maxRetryDelayMs) || signal?.aborted) {
          throw modelCallError(error, baseURL, redact.text, signal);
        }
        await sleep(Math.min(delay.ms, maxRetryDelayMs), signal);
      }
    }
  }

  return {
    endpoint: { provider: access.provider, baseURL },
    async complete(request, { span: parent, signal }) {
      const { messages, tools, ...params } = request;
      const span = parent.startSpan({
        name: "Chat Completion",
        type: "llm",
        event: {
          input: messages,
          metadata: { ...params, provider: access.provider, tools: tools?.map((t) => (t.type === "function" ? t.function.name : t.type)) },
        },
      });
      try {
        const { completion, attempts } = await withRetries(request, signal);
        const usage = completion.usage;
        span.log({
          output: completion.choices,
          metadata: { attempts, finish_reason: completion.choices[0]?.finish_reason },
          metrics: usage
            ? {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                tokens: usage.total_tokens,
                prompt_cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
              }
            : {},
        });
        return completion;
      } catch (error) {
        span.log({ error: messageOf(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  };
}
