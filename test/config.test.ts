// Settings that only make sense together are refused together, at start, naming what to change.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("refuses a pool of agent runs whose sandboxes the disk budget cannot hold", () => {
    const mib = (n: number) => String(n * 1024 * 1024);
    expect(() => loadConfig({ AGENT_CONCURRENCY: "17" })).toThrow(ConfigError);
    expect(() => loadConfig({ AGENT_CONCURRENCY: "17" })).toThrow(/AGENT_CONCURRENCY: 17 agent runs at once need .*SANDBOX_TOTAL_WORKSPACE_BYTES/);
    expect(loadConfig({ AGENT_CONCURRENCY: "32", SANDBOX_WORKSPACE_BYTES: mib(32) }).AGENT_CONCURRENCY).toBe(32);
    expect(loadConfig({ AGENT_CONCURRENCY: "32", SANDBOX_TOTAL_WORKSPACE_BYTES: mib(2048) }).AGENT_CONCURRENCY).toBe(32);
  });

  it("takes a time budget of at least 2 s, and none by default", () => {
    expect(loadConfig({}).EVAL_TIME_BUDGET_MS).toBeUndefined();
    expect(loadConfig({ EVAL_TIME_BUDGET_MS: "140000" }).EVAL_TIME_BUDGET_MS).toBe(140_000);
    expect(() => loadConfig({ EVAL_TIME_BUDGET_MS: "500" })).toThrow(/EVAL_TIME_BUDGET_MS/);
  });
});
