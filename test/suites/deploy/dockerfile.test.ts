import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import {
  contextSources,
  execForm,
  ofKeyword,
  parseDockerfile,
  policyViolations,
  readRepoDockerfile,
  repoRoot,
  runtimeStage,
  stageEnv,
  stageUser,
} from "./dockerfile.js";

const run = promisify(execFile);
const stages = readRepoDockerfile();
const runtime = runtimeStage(stages);
const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };

describe("Dockerfile", () => {
  it("passes dockerfile-utils lint with no diagnostics", async () => {
    const cli = path.join(repoRoot, "node_modules/dockerfile-utils/bin/dockerfile-utils");
    const { stdout } = await run(process.execPath, [cli, "lint", "--json", "Dockerfile"], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it("meets the deploy policy", () => {
    expect(policyViolations(stages, pkg.scripts)).toEqual([]);
  });

  it("builds in a stage of its own and runs as node's unprivileged user", () => {
    expect(stages.map((s) => s.name)).toEqual(["build", "runtime"]);
    expect(stageUser(runtime)).toBe("node");
  });

  it("starts `npm start`'s command under tini", () => {
    expect(execForm(ofKeyword(runtime, "CMD").at(-1))!.join(" ")).toBe(pkg.scripts.start);
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json/);
    expect(execForm(ofKeyword(runtime, "ENTRYPOINT").at(-1))).toEqual(["/usr/bin/tini", "--"]);
  });

  it("builds the viewer's pages in the build stage and ships them with the compiled service", () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    expect(contextSources(stages)).toContain("web");
    expect(pkg.scripts.build).toMatch(/&& npm run build:web$/);
    expect(pkg.scripts["build:web"]).toMatch(/\bvite build --config web\/vite\.config\.ts$/);
    // dist/web is inside dist, which the runtime stage takes whole from the build stage.
    expect(ofKeyword(runtime, "COPY").map((c) => c.toString())).toContain("COPY --from=build /app/dist ./dist");
  });

  it("sets an environment the service accepts in production, with a drain that fits `docker stop`", () => {
    const config = loadConfig(stageEnv(runtime));
    expect(config.NODE_ENV).toBe("production");
    expect(config.HOST).toBe("0.0.0.0");
    expect(config.PORT).toBe(8300);
    // docker stop sends SIGKILL 10 s after SIGTERM unless told otherwise.
    expect(config.SHUTDOWN_GRACE_MS).toBeLessThan(10_000);
  });

  it("sends only what it copies as build context (.dockerignore is an allowlist of the COPY sources)", () => {
    const lines = readFileSync(path.join(repoRoot, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(lines[0]).toBe("*");
    const allowed = lines.slice(1).map((l) => {
      expect(l.startsWith("!")).toBe(true);
      return l.slice(1).replace(/\/$/, "");
    });
    expect(allowed.sort()).toEqual(contextSources(stages).sort());
  });
});

describe("the Dockerfile policy check", () => {
  const bad = `
FROM node:20 AS build
ARG NPM_TOKEN
RUN npm install
FROM node:22-bookworm-slim
ENV OPENAI_API_KEY=sk-test
RUN apt-get update && apt-get install -y g++ liblzma-dev tini
COPY .env ./
COPY --from=build /app /app
USER root
HEALTHCHECK CMD curl -f http://localhost:8300/healthz
CMD node dist/main.js
`;

  it("names each departure from the policy", () => {
    const problems = policyViolations(parseDockerfile(bad));
    expect(problems).toEqual(
      expect.arrayContaining([
        "stage build is FROM node:20",
        "ARG NPM_TOKEN bakes a secret into the image",
        "ENV OPENAI_API_KEY bakes a secret into the image",
        "COPY .env puts a secret in the image",
        "the build stage does not `npm ci`",
        "the build stage does not compile",
        "the build stage keeps dev dependencies",
        "the runtime stage installs g++",
        "the runtime stage installs liblzma-dev",
        "the runtime stage lacks sqlite3",
        "the runtime stage lacks bubblewrap",
        "the runtime stage runs as root",
        "NODE_ENV is not production",
        "CMD is missing or in shell form",
        "ENTRYPOINT is not tini in exec form",
        "HEALTHCHECK is missing or not an exec-form CMD",
      ]),
    );
  });

  it("counts `npm ci` as the compile step only when it runs package.json's prepare and that builds", () => {
    const image = (install: string) => `
FROM node:22-bookworm-slim AS build
COPY package.json package-lock.json ./
RUN ${install} && npm prune --omit=dev
FROM node:22-bookworm-slim
`;
    const building = { prepare: "npm run build", build: "tsc -p tsconfig.build.json" };
    expect(policyViolations(parseDockerfile(image("npm ci")), building)).not.toContain("the build stage does not compile");
    expect(policyViolations(parseDockerfile(image("npm ci --ignore-scripts")), building)).toContain("the build stage does not compile");
    expect(policyViolations(parseDockerfile(image("npm ci")), { build: "tsc" })).toContain("the build stage does not compile");
  });

  it("refuses a single-stage image", () => {
    const problems = policyViolations(parseDockerfile("FROM node:22-bookworm-slim\nCMD [\"node\", \"x.js\"]\n"));
    expect(problems).toContain("needs a build stage and a runtime stage");
  });
});
