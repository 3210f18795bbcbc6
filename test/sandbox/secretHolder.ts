// A stand-in for the service with a secret in its real (initial) environment: it creates a sandbox, runs
// the commands it is given, prints their results as JSON, and stays alive until its stdin closes, so the
// test can check that the secret was there to steal (in /proc/<pid>/environ) and that no command got it.
import { once } from "node:events";
import { testConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createSandboxFactory } from "../../src/sandbox/index.js";

const [mode, dbPath, baseDir, commands] = process.argv.slice(2) as [string, string, string, string];
const factory = await createSandboxFactory(
  testConfig({ SANDBOX_MODE: mode }),
  createLogger({ LOG_LEVEL: "silent" }),
  { baseDir },
);
const sandbox = await factory.create({ dbPath });
const results = [];
for (const command of JSON.parse(commands) as string[]) results.push(await sandbox.exec(command, { timeoutMs: 10_000 }));
process.stdout.write(`${JSON.stringify(results)}\n`);
process.stdin.resume();
await once(process.stdin, "end");
await sandbox.close();
await factory.close();
process.exit(0);
