// Starts the real service on a loopback port against a fake Braintrust API: a fresh one, or the test file's.
import type { FastifyInstance } from "fastify";
import { testConfig, type Config } from "../../src/config.js";
import { buildApp, type AppDeps } from "../../src/server/app.js";
import { startFakeBraintrust, type FakeBraintrust, type FakeBraintrustOptions } from "./fakeBraintrust.js";

export interface RunningService {
  app: FastifyInstance;
  fake: FakeBraintrust;
  base: string;
  /** Headers of a logged-in Playground caller. */
  auth: Record<string, string>;
  close(): Promise<void>;
}

type Settings = Partial<Record<keyof Config, string>>;

export interface ServiceOptions {
  /** Settings over the test defaults; a function of the fake when they name it (its org, its URL). */
  config?: Settings | ((fake: FakeBraintrust) => Settings);
  /** The app's dependencies; a function of the final config when they are built from it (a logger, a recorder). */
  deps?: AppDeps | ((config: Config) => AppDeps | Promise<AppDeps>);
  /** Options of the fake the service starts for itself and closes with it. */
  fake?: FakeBraintrustOptions;
  /** A fake the test file already runs (useFakeBraintrust), used instead; closing the service leaves it running. */
  sharedFake?: FakeBraintrust;
}

/** The service on a loopback port against a fake Braintrust API: the one way tests start the pair. */
export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const fake = options.sharedFake ?? (await startFakeBraintrust(options.fake));
  const closeFake = () => (options.sharedFake ? Promise.resolve() : fake.close());
  let app: FastifyInstance;
  try {
    const settings = typeof options.config === "function" ? options.config(fake) : options.config;
    const config = testConfig({ BRAINTRUST_APP_URL: fake.url, ...settings });
    app = await buildApp(config, typeof options.deps === "function" ? await options.deps(config) : options.deps);
    await app.listen({ port: 0, host: "127.0.0.1" });
  } catch (e) {
    await closeFake();
    throw e;
  }
  const port = (app.server.address() as { port: number }).port;
  return {
    app,
    fake,
    base: `http://127.0.0.1:${port}`,
    auth: { "x-bt-auth-token": "sk-test", "x-bt-org-name": fake.orgName },
    async close() {
      await app.close();
      await closeFake();
    },
  };
}

export interface SseEvent {
  event: string;
  data: string;
}

/** Parses an SSE body into its events (comment lines, the heartbeats, are dropped). */
export function parseSse(body: string): SseEvent[] {
  return body
    .split("\n\n")
    .filter((block) => block.split("\n").some((l) => l.startsWith("event:")))
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))!.slice(7);
      const data = lines
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n");
      return { event, data };
    });
}

export async function postEval(
  svc: RunningService,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; events: SseEvent[] }> {
  const res = await fetch(`${svc.base}/eval`, {
    method: "POST",
    headers: { ...svc.auth, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, events: parseSse(text) };
}
