// A scripted OpenAI chat-completions server on loopback, for driving the real `openai` SDK over a real socket.
// Each request gets the next reply of a queue, or whatever a handler function returns for it: a completion
// with content and/or tool calls, an HTTP error (429 with retry-after, 5xx), a delay, or no answer at all until
// the client gives up. Every request is recorded with its parsed body.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** 0-based, over all requests. */
  index: number;
  /** True once the client closed the connection before an answer was sent. */
  aborted: boolean;
}

export interface ToolCallReply {
  name: string;
  /** An object is JSON-encoded; a string is sent as is (to send broken JSON). */
  arguments: unknown;
  id?: string;
}

export type FakeReply =
  | {
      content?: string | null;
      toolCalls?: ToolCallReply[];
      usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };
      finishReason?: string;
      delayMs?: number;
    }
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Never answers: the request stays open until the client aborts or the server closes. */
  | { hang: true };

export type Handler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAI {
  /** The OpenAI base URL (`…/v1`). */
  readonly url: string;
  /** The server's root, for clients that add their own path (the Braintrust proxy's `/v1/proxy`). */
  readonly origin: string;
  readonly requests: FakeRequest[];
  /** Replies used in order, before the handler. */
  enqueue(...replies: FakeReply[]): void;
  setHandler(handler: Handler | undefined): void;
  /** Chat-completion requests only. */
  completions(): FakeRequest[];
  close(): Promise<void>;
}

export const reply = {
  text: (content: string): FakeReply => ({ content }),
  tool: (name: string, args: unknown, extra: { content?: string } = {}): FakeReply => ({ content: extra.content ?? null, toolCalls: [{ name, arguments: args }] }),
  tools: (...calls: ToolCallReply[]): FakeReply => ({ content: null, toolCalls: calls }),
  error: (status: number, message = `error ${status}`, headers: Record<string, string> = {}): FakeReply => ({
    status,
    headers,
    body: { error: { message, type: "fake_error", code: null } },
  }),
};

/**
 * A handler that refuses every key the way OpenAI does (401, `Incorrect API key provided: …`), but echoes the whole
 * key it received, as some gateways do, optionally encoded (base64, hex, …).
 */
export function keyEchoingRejection(encode: (key: string) => string = (key) => key): Handler {
  return (request) => {
    const key = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
    return reply.error(401, `Incorrect API key provided: ${encode(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`);
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function completion(body: any, r: Extract<FakeReply, { content?: unknown }>) {
  const toolCalls = r.toolCalls?.map((c) => ({
    id: c.id ?? `call_${randomUUID().slice(0, 8)}`,
    type: "function",
    function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) },
  }));
  const promptTokens = r.usage?.prompt_tokens ?? Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
  const completionTokens = r.usage?.completion_tokens ?? 12;
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? "fake",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: r.content ?? null, refusal: null, ...(toolCalls?.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: r.finishReason ?? (toolCalls?.length ? "tool_calls" : "stop"),
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: r.usage?.cached_tokens ?? 0 },
    },
  };
}

export async function startFakeOpenAI(options: { handler?: Handler; apiKey?: string } = {}): Promise<FakeOpenAI> {
  const queue: FakeReply[] = [];
  let handler = options.handler;
  const requests: FakeRequest[] = [];
  const open = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const request: FakeRequest = {
      method: req.method ?? "GET",
      path: (req.url ?? "/").split("?")[0],
      headers: req.headers,
      body,
      index: requests.length,
      aborted: false,
    };
    requests.push(request);
    open.add(res);
    res.on("close", () => {
      open.delete(res);
      if (!res.writableFinished) request.aborted = true;
    });

    if (!request.path.endsWith("/chat/completions") || request.method !== "POST") {
      return send(res, 404, { error: { message: `no route ${request.method} ${request.path}` } });
    }
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return send(res, 401, { error: { message: "Incorrect API key provided", type: "invalid_request_error" } });
    }
    let r: FakeReply;
    try {
      const next = queue.shift();
      if (next) r = next;
      else if (handler) r = await handler(request);
      else return send(res, 500, { error: { message: "the fake has no reply scripted for this request" } });
    } catch (e) {
      return send(res, 500, { error: { message: `the fake's handler threw: ${(e as Error).message}` } });
    }
    if ("hang" in r) return;
    if (r.delayMs) await sleep(r.delayMs);
    if ("status" in r) return send(res, r.status, r.body ?? {}, r.headers);
    send(res, 200, completion(body, r));
  };
  const server = createServer((req, res) => void respond(req, res));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/v1`,
    origin,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    setHandler: (h) => void (handler = h),
    completions: () => requests.filter((r) => r.path.endsWith("/chat/completions")),
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
