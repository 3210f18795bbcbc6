// Reads config, builds the app, listens, and drains on SIGTERM/SIGINT. Nothing else.
import { ConfigError, loadConfig } from "./config.js";
import { buildApp } from "./server/app.js";
import { isAppError } from "./errors.js";
import { drainAndClose } from "./server/shutdown.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  let app;
  try {
    app = await buildApp(config);
  } catch (e) {
    // A start-up check that cannot pass here (e.g. no sandbox mode allowed on this host): say so and stop.
    if (isAppError(e) && e.code === "NOT_CONFIGURED") {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  let stopping = false;
  const stop = (signal: string) => {
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
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err?.stack ?? err}\n`);
  process.exit(1);
});
