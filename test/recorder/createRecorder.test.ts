// createRecorder picks the store from config and says which one, without ever logging the key.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createRecorder } from "../../src/recorder/index.js";
import { LocalRecorder } from "../../src/recorder/local.js";
import { useFakeBraintrust } from "../support/fakeBraintrust.js";

const fake = useFakeBraintrust({ tokens: ["sk-secret-key"] });
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sema4-create-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: "info" }, sink), lines };
}

describe("createRecorder", () => {
  it("records locally under DATA_DIR without a key", async () => {
    const { logger, lines } = capturingLogger();
    const recorder = await createRecorder(testConfig({ DATA_DIR: dir }), logger);
    expect(recorder.kind).toBe("local");
    expect((recorder as LocalRecorder).store.path).toBe(join(dir, "sema4.db"));
    await recorder.close();
    expect(lines[0]).toMatchObject({ recorder: "local", path: join(dir, "sema4.db") });
  });

  it("records to Braintrust with the configured key, app URL and org, and keeps the key out of the logs", async () => {
    const { logger, lines } = capturingLogger();
    const recorder = await createRecorder(
      testConfig({ BRAINTRUST_API_KEY: "sk-secret-key", BRAINTRUST_APP_URL: fake.url, BRAINTRUST_ORG_NAME: "test-org" }),
      logger,
    );
    expect(recorder.kind).toBe("braintrust");
    await recorder.dataset("p", "d").upsert([{ id: "a", input: 1 }]);
    await recorder.close();
    expect(fake.callsTo("/api/apikey/login")[0].headers.authorization).toBe("Bearer sk-secret-key");
    expect(fake.rows({ dataset_id: fake.datasetByName("d")!.id }).map((r) => r.id)).toEqual(["a"]);
    expect(lines[0]).toMatchObject({ recorder: "braintrust", appUrl: fake.url, org: "test-org" });
    expect(JSON.stringify(lines)).not.toContain("sk-secret-key");
  });
});
