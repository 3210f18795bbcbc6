// What the first GET /list costs: the service answers it with only what it needs loaded. The braintrust SDK, the
// agent (its sandbox, its database), the recorders and the ingest pipeline load when a request first needs them.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeBraintrust, type FakeBraintrust } from "../../support/fakeBraintrust.js";
import { parseSse } from "../../support/service.js";
import { freePort, spawnService, waitForHttp } from "../../support/process.js";

const dir = mkdtempSync(path.join(tmpdir(), "sema4-startup-"));
const moduleLog = path.join(dir, "modules.log");
const evalFile = path.join(dir, "shout.eval.ts");
writeFileSync(
  evalFile,
  `import { Eval } from "braintrust";
import { z } from "zod";
Eval("shout", {
  data: () => [],
  task: async (input: string, { parameters }) => input.toUpperCase() + parameters.suffix,
  scores: [function exact({ output, expected }: any) { return output === expected ? 1 : 0; }],
  parameters: { suffix: z.string().default("!") },
});
`,
);

const loaded = () => readFileSync(moduleLog, "utf8").split("\n").filter(Boolean);
const ofPackage = (name: string) => (url: string) => url.includes(`/node_modules/${name}/`);
const ofSource = (folder: string) => (url: string) => url.includes(`/src/${folder}`);

let fake: FakeBraintrust;
beforeAll(async () => {
  fake = await startFakeBraintrust();
});
afterAll(() => fake.close());

describe("start-up", () => {
  it("answers GET /list without the braintrust SDK, the agent, the recorders or SQLite; the first eval loads the SDK", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const svc = spawnService(process.execPath, ["--import", "tsx", "--import", "./test/support/moduleLog.mjs", "src/main.ts"], {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dir,
      EVAL_MODULES: evalFile,
      BRAINTRUST_APP_URL: fake.url,
      BRAINTRUST_API_KEY: "sk-service",
      MODULE_LOG: moduleLog,
    });
    try {
      await waitForHttp(`${base}/healthz`, svc);
      const list = await fetch(`${base}/list`, { headers: { "x-bt-auth-token": "sk-test", "x-bt-org-name": fake.orgName } });
      expect(list.status).toBe(200);
      expect(Object.keys(await list.json())).toEqual(["sema4-demo", "shout"]);
      const atList = loaded();
      expect(atList.some(ofSource("server/devserver/routes"))).toBe(true);
      for (const notYet of [ofPackage("braintrust"), ofPackage("better-sqlite3"), ofPackage("openai"), ofSource("agent/loop"), ofSource("sandbox/"), ofSource("recorder/braintrust"), ofSource("recorder/local"), ofSource("ingest/ingestJob")]) {
        expect(atList.filter(notYet)).toEqual([]);
      }

      const res = await fetch(`${base}/eval`, {
        method: "POST",
        headers: { "x-bt-auth-token": "sk-test", "x-bt-org-name": fake.orgName, "content-type": "application/json" },
        body: JSON.stringify({ name: "shout", stream: true, data: { data: [{ input: "a", expected: "A!" }] } }),
      });
      expect(parseSse(await res.text()).map((e) => e.event)).toEqual(["start", "progress", "summary", "done"]);
      expect(loaded().some(ofPackage("braintrust"))).toBe(true);
    } finally {
      svc.child.kill("SIGTERM");
    }
    expect((await svc.exited).code).toBe(0);
  });
});
