// A `.env` file in the working directory is read at start, as the original scripts' users expect, and the
// environment wins over it; the agent's database lives under DATA_DIR unless SEMA4_DB_PATH says otherwise.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, spawnService, waitForHttp } from "../support/process.js";

const main = path.resolve("src/main.ts");
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const dir = mkdtempSync(path.join(tmpdir(), "sema4-dotenv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a .env file in the working directory", () => {
  it("sets what the environment does not, and the environment wins", async () => {
    const [fromFile, fromEnv] = [await freePort(), await freePort()];
    const dataDir = path.join(dir, "data");
    writeFileSync(path.join(dir, ".env"), `# settings of this folder\nPORT=${fromFile}\nHOST=127.0.0.1\nDATA_DIR=${dataDir}\nSANDBOX_MODE=virtual\n`);
    const svc = spawnService(process.execPath, ["--import", tsx, main], { PORT: String(fromEnv) }, dir);
    try {
      await waitForHttp(`http://127.0.0.1:${fromEnv}/readyz`, svc);
      // DATA_DIR came from the file; the agent's database was built there, not in a folder shared by every checkout.
      expect(existsSync(path.join(dataDir, "sema4_eval.db"))).toBe(true);
      await expect(fetch(`http://127.0.0.1:${fromFile}/healthz`)).rejects.toThrow();
    } finally {
      svc.child.kill("SIGTERM");
      await svc.exited;
    }
  });

  it("is refused line by line when a value is wrong, naming the variable, the value and what is allowed", async () => {
    writeFileSync(path.join(dir, ".env"), "PORT=\nLOG_LEVEL=loud\n");
    const svc = spawnService(process.execPath, ["--import", tsx, main], {}, dir);
    expect(await svc.exited).toEqual({ code: 2, signal: null });
    expect(svc.output().trim().split("\n")).toEqual([
      "Invalid configuration:",
      '  PORT="" is not valid: set a whole number from 0 to 65535, or leave it unset for 8300',
      '  LOG_LEVEL="loud" is not valid: set one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });
});
