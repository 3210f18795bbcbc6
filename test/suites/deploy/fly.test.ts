import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { ofKeyword, readRepoDockerfile, repoRoot, runtimeStage, stageEnv } from "./dockerfile.js";

interface FlyToml {
  kill_signal?: string;
  kill_timeout?: number | string;
  build?: { dockerfile?: string };
  env?: Record<string, string>;
  http_service?: {
    internal_port?: number;
    auto_stop_machines?: string | boolean;
    concurrency?: { type?: string; soft_limit?: number; hard_limit?: number };
    checks?: { method?: string; path?: string; timeout?: string; interval?: string }[];
  };
  mounts?: { source?: string; destination?: string }[];
}

const fly = parse(readFileSync(path.join(repoRoot, "fly.toml"), "utf8")) as FlyToml;
const runtime = runtimeStage(readRepoDockerfile());
// What the machine runs with: the image's ENV, then fly.toml's [env] over it.
const config = loadConfig({ ...stageEnv(runtime), ...fly.env });

describe("fly.toml", () => {
  it("builds the repository's Dockerfile and routes to the port it exposes", () => {
    expect(existsSync(path.join(repoRoot, fly.build?.dockerfile ?? "Dockerfile"))).toBe(true);
    const exposed = ofKeyword(runtime, "EXPOSE").map((e) => Number(e.getArgumentsContent()));
    expect(fly.http_service?.internal_port).toBe(config.PORT);
    expect(exposed).toContain(fly.http_service?.internal_port);
  });

  it("stops idle machines and counts concurrency in requests, as the service limits its evals", () => {
    const http = fly.http_service!;
    expect(http.auto_stop_machines).toBe("stop");
    expect(http.concurrency?.type).toBe("requests");
    expect(http.concurrency?.soft_limit).toBe(config.MAX_CONCURRENT_EVALS);
    // Room above the eval limit for /list and health checks while every eval slot is taken.
    expect(http.concurrency?.hard_limit).toBeGreaterThan(config.MAX_CONCURRENT_EVALS);
  });

  it("checks /healthz", () => {
    expect(fly.http_service?.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ method: "GET", path: "/healthz" })]),
    );
  });

  it("sends SIGTERM and waits long enough for the drain to end before SIGKILL", () => {
    expect(fly.kill_signal).toBe("SIGTERM");
    const timeout = fly.kill_timeout;
    if (typeof timeout !== "number") throw new Error("kill_timeout should be a number of seconds");
    // Five seconds after the grace period for aborting what is left and closing; Fly allows 300 at most.
    expect(timeout * 1000).toBeGreaterThanOrEqual(config.SHUTDOWN_GRACE_MS + 5_000);
    expect(timeout).toBeLessThanOrEqual(300);
  });

  it("keeps DATA_DIR on a volume and runs as a valid production config with no secret in plain text", () => {
    expect(fly.mounts?.map((m) => m.destination)).toEqual([config.DATA_DIR]);
    expect(config.NODE_ENV).toBe("production");
    expect(Object.keys(fly.env ?? {}).filter((k) => /KEY|TOKEN|SECRET|PASSWORD/i.test(k))).toEqual([]);
  });
});
