// Reads config, opens the port, builds the app, and drains on SIGTERM/SIGINT. Nothing else.
// The app is imported only after the port is open: loading it (Fastify, the evaluator modules) takes a moment,
// during which the early listener answers liveness and holds other requests.
import { ConfigError, loadProcessConfig, type Config } from "./config.js";
import { listenEarly } from "./server/earlyListener.js";
import { warnIfLoopbackOnly } from "./server/auth/operatorAuth.js";

function readConfig(): Config {
  try {
    return loadProcessConfig();
  } catch (e) {
    if (e instanceof ConfigError) stopWith(e.message);
    throw e;
  }
}

/** A start-up mistake of the operator's: one line naming the setting and what to do, no stack, exit code 2. */
function stopWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** What a failed listen means for the operator, or undefined for errors that are not theirs to fix. */
function listenProblem(e: unknown, config: Config): string | undefined {
  const port = `PORT=${config.PORT}`;
  const host = `HOST=${config.HOST}`;
  switch ((e as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return `${port}: the port is in use by another process (on ${host}); stop it or set PORT to a free port`;
    case "EACCES":
      return `${port}: this user may not listen on the port (below 1024 needs privileges); set PORT to 1024 or more`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${host}: not an address of this machine; set HOST to 0.0.0.0 (every interface), 127.0.0.1 or one of its addresses`;
    default:
      return undefined;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  let early: Awaited<ReturnType<typeof listenEarly>>;
  try {
    early = await listenEarly({
      port: config.PORT,
      host: config.HOST,
      extraOrigins: [config.BRAINTRUST_APP_URL, config.WHITELISTED_ORIGIN],
    });
  } catch (e) {
    const problem = listenProblem(e, config);
    if (problem) stopWith(problem);
    throw e;
  }
  let stop: (signal: string) => void = () => process.exit(0);
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  const [{ buildApp }, { drainAndClose }] = await Promise.all([
    import("./server/app.js"),
    import("./server/shutdown.js"),
  ]);
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp(config, { serverFactory: early.factory });
    await app.ready();
  } catch (e) {
    await early.fail();
    // A setting the app cannot start with (an EVAL_MODULES file that does not load): say so and stop. The sandbox
    // is probed on the agent's first use (or GET /readyz), not here.
    if (e instanceof ConfigError) stopWith(e.message);
    throw e;
  }
  early.serve();
  const address = early.server.address();
  app.log.info({ address }, "listening");
  warnIfLoopbackOnly({ adminToken: config.ADMIN_TOKEN, orgName: config.BRAINTRUST_ORG_NAME, host: config.HOST }, (m) =>
    app.log.warn(m),
  );

  let stopping = false;
  stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down");
    drainAndClose(app, config.SHUTDOWN_GRACE_MS).then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err?.stack ?? err}\n`);
  process.exit(1);
});
