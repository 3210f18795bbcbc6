// Reads config, opens the port, builds the app, and drains on SIGTERM/SIGINT. Nothing else.
// The app is imported only after the port is open: loading it (the braintrust SDK, the sandbox probe, evaluator
// modules) takes a second or more, during which the early listener answers liveness and holds other requests.
import { ConfigError, loadProcessConfig, type Config } from "./config.js";
import { isAppError } from "./errors.js";
import { listenEarly } from "./server/earlyListener.js";
import { warnIfLoopbackOnly } from "./server/auth/operatorAuth.js";

function readConfig(): Config {
  try {
    return loadProcessConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const early = await listenEarly({
    port: config.PORT,
    host: config.HOST,
    extraOrigins: [config.BRAINTRUST_APP_URL, config.WHITELISTED_ORIGIN],
  });
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
    // A start-up check that cannot pass here (e.g. no sandbox mode allowed on this host): say so and stop.
    if (isAppError(e) && e.code === "NOT_CONFIGURED") {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
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
