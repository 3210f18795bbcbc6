// Start-up mistakes an operator makes, as `npm start` meets them: one line on stderr naming the setting, its value
// and what to do, no stack trace, exit code 2.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, spawnService } from "../../support/process.js";

const dir = mkdtempSync(path.join(tmpdir(), "sema4-startup-"));
const dataDir = path.join(dir, "data");

async function start(env: Record<string, string>) {
  const svc = spawnService(process.execPath, ["--import", "tsx", "src/main.ts"], { HOST: "127.0.0.1", DATA_DIR: dataDir, ...env });
  const { code } = await svc.exited;
  return { code, output: svc.output() };
}

/** The output's lines that are not the service's JSON log lines. */
const plainLines = (output: string) =>
  output.split("\n").filter((line) => line.trim() !== "" && !line.startsWith('{"level":'));

function expectOneLine(output: string, line: RegExp) {
  expect(plainLines(output)).toEqual([expect.stringMatching(line)]);
  expect(output).not.toMatch(/\n\s+at /);
}

describe("start-up failures", () => {
  const held: Server[] = [];
  afterAll(async () => {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it("a port in use names PORT and its value and says what to do", async () => {
    const port = await freePort();
    const other = createServer();
    held.push(other);
    await new Promise<void>((resolve) => other.listen(port, "127.0.0.1", resolve));
    const { code, output } = await start({ PORT: String(port) });
    expect(code).toBe(2);
    expectOneLine(output, new RegExp(`^PORT=${port}: the port is in use by another process .*; stop it or set PORT to a free port$`));
  });

  it("an EVAL_MODULES file that does not exist names the setting, the file and what to set", async () => {
    const { code, output } = await start({ PORT: String(await freePort()), EVAL_MODULES: "./nope.eval.ts" });
    expect(code).toBe(2);
    expectOneLine(
      output,
      /^EVAL_MODULES=\.\/nope\.eval\.ts: no such file \(.*\/nope\.eval\.ts\); set EVAL_MODULES to comma-separated paths of existing \.ts or \.js evaluator files$/,
    );
  });

  it("an EVAL_MODULES file that does not compile, or throws as it loads, names the file and the reason", async () => {
    const broken = path.join(dir, "broken.eval.ts");
    writeFileSync(broken, "export const x = ;\n");
    const throws = path.join(dir, "throws.eval.ts");
    writeFileSync(throws, 'throw new Error("no dataset configured");\n');
    const first = await start({ PORT: String(await freePort()), EVAL_MODULES: `${broken},${throws}` });
    expect(first.code).toBe(2);
    expectOneLine(first.output, /^EVAL_MODULES=.*broken\.eval\.ts,.*throws\.eval\.ts: .*broken\.eval\.ts: the file does not load: .*Unexpected ";"; fix it, or leave it out of EVAL_MODULES$/);
    const second = await start({ PORT: String(await freePort()), EVAL_MODULES: throws });
    expect(second.code).toBe(2);
    expectOneLine(second.output, /^EVAL_MODULES=.*throws\.eval\.ts: the file does not load: no dataset configured; fix it, or leave it out of EVAL_MODULES$/);
  });
});
