// Reads a Dockerfile through dockerfile-ast and checks it against the deploy policy, so that the tests
// (and the boot test's command line) follow the file rather than a copy of it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Arg, DockerfileParser, Env, From, Healthcheck, JSONInstruction, type Instruction } from "dockerfile-ast";

export const repoRoot = path.resolve(import.meta.dirname, "../../..");

export interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction instanceof From) {
      stages.push({ name: instruction.getBuildStage() ?? undefined, image: instruction.getImage() ?? "", instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

export function readRepoDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(path.join(repoRoot, "Dockerfile"), "utf8"));
}

/** The image that runs: the last stage. */
export function runtimeStage(stages: Stage[]): Stage {
  const last = stages.at(-1);
  if (!last) throw new Error("the Dockerfile has no FROM");
  return last;
}

export function ofKeyword(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword);
}

/** The argv of an exec-form (JSON array) instruction; undefined for the shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (!(instruction instanceof JSONInstruction) || !instruction.getOpeningBracket()) return undefined;
  return instruction.getJSONStrings().map((s) => s.getJSONValue());
}

/** The argv of `HEALTHCHECK [flags] CMD [...]` in exec form; undefined otherwise. */
export function healthcheckExecForm(instruction: Instruction | undefined): string[] | undefined {
  if (!(instruction instanceof Healthcheck)) return undefined;
  const match = /^CMD\s+(\[.*\])\s*$/s.exec(instruction.getArgumentsContent() ?? "");
  if (!match) return undefined;
  const argv: unknown = JSON.parse(match[1]);
  return Array.isArray(argv) && argv.every((a) => typeof a === "string") ? argv : undefined;
}

export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions) {
    if (!(instruction instanceof Env)) continue;
    for (const p of instruction.getProperties()) env[p.getName()] = p.getUnescapedValue() ?? "";
  }
  return env;
}

export function stageArgDefaults(stage: Stage): Record<string, string> {
  const args: Record<string, string> = {};
  for (const instruction of stage.instructions) {
    if (!(instruction instanceof Arg)) continue;
    const p = instruction.getProperty();
    if (p) args[p.getName()] = p.getUnescapedValue() ?? "";
  }
  return args;
}

/** The user the stage ends with, `${VAR}` resolved from its ARG defaults; undefined when it sets none. */
export function stageUser(stage: Stage): string | undefined {
  const user = ofKeyword(stage, "USER").at(-1)?.getArgumentsContent()?.trim();
  if (user === undefined) return undefined;
  const args = stageArgDefaults(stage);
  return user.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[a ?? b!] ?? "");
}

export function stageWorkdir(stage: Stage): string | undefined {
  return ofKeyword(stage, "WORKDIR").at(-1)?.getArgumentsContent()?.trim();
}

/** Debian packages named by `apt-get install` lines of a stage. */
function aptPackages(stage: Stage): string[] {
  const packages: string[] = [];
  for (const run of ofKeyword(stage, "RUN")) {
    for (const command of (run.getArgumentsContent() ?? "").split(/&&|;/)) {
      const words = command.trim().split(/\s+/);
      const at = words.indexOf("install");
      if (words[0] !== "apt-get" || at < 0) continue;
      packages.push(...words.slice(at + 1).filter((w) => !w.startsWith("-")));
    }
  }
  return packages;
}

/** Sources that COPY/ADD take from the build context (not from another stage). */
export function contextSources(stages: Stage[]): string[] {
  const sources = new Set<string>();
  for (const stage of stages) {
    for (const instruction of stage.instructions) {
      if (!["COPY", "ADD"].includes(instruction.getKeyword())) continue;
      const flags = instruction instanceof JSONInstruction ? instruction.getFlags() : [];
      if (flags.some((f) => f.getName() === "from")) continue;
      const args = execForm(instruction) ?? instruction.getArguments().map((a) => a.getValue());
      for (const source of args.slice(0, -1)) sources.add(source.replace(/^\.\//, "").replace(/\/$/, ""));
    }
  }
  return [...sources];
}

const COMPILERS = ["gcc", "g++", "make", "build-essential", "python3", "python3-dev", "clang", "node-gyp"];
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)/i;
const RUNTIME_PACKAGES = ["tini", "sqlite3", "bubblewrap"];

/**
 * Every way the Dockerfile departs from the deploy policy, one sentence each; empty when it complies. `scripts` are
 * package.json's: an `npm ci` that runs them compiles when `prepare` runs the build.
 */
export function policyViolations(stages: Stage[], scripts: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  if (stages.length < 2) problems.push("needs a build stage and a runtime stage");
  for (const stage of stages) {
    if (stage.image !== "node:22-bookworm-slim") problems.push(`stage ${stage.name ?? "?"} is FROM ${stage.image}`);
    for (const instruction of stage.instructions) {
      const names =
        instruction instanceof Env ? instruction.getProperties().map((p) => p.getName())
        : instruction instanceof Arg ? [instruction.getProperty()?.getName() ?? ""]
        : [];
      for (const name of names.filter((n) => SECRET_NAME.test(n))) {
        problems.push(`${instruction.getKeyword()} ${name} bakes a secret into the image`);
      }
    }
  }
  const sources = contextSources(stages);
  for (const source of sources.filter((s) => /(^|\/)\.env|\.pem$|\.key$/.test(s))) {
    problems.push(`COPY ${source} puts a secret in the image`);
  }
  if (stages.length < 2) return problems;

  const runtime = runtimeStage(stages);
  const build = stages.slice(0, -1);
  const buildRuns = build.flatMap((s) => ofKeyword(s, "RUN").map((r) => r.getArgumentsContent() ?? ""));
  if (!buildRuns.some((r) => /\bnpm ci\b/.test(r))) problems.push("the build stage does not `npm ci`");
  const compiles = (run: string) =>
    /\bnpm run build\b|\btsc\b/.test(run) ||
    (/\bnpm ci\b/.test(run) && !/--ignore-scripts\b/.test(run) && /\bnpm run build\b|\btsc\b/.test(scripts.prepare ?? ""));
  if (!buildRuns.some(compiles)) problems.push("the build stage does not compile");
  if (!buildRuns.some((r) => /\bnpm prune --omit=dev\b/.test(r))) problems.push("the build stage keeps dev dependencies");
  if (!sources.includes("package-lock.json")) problems.push("the lockfile is not copied for `npm ci`");

  const installed = aptPackages(runtime);
  for (const p of installed.filter((p) => COMPILERS.includes(p) || p.endsWith("-dev"))) {
    problems.push(`the runtime stage installs ${p}`);
  }
  for (const p of RUNTIME_PACKAGES.filter((p) => !installed.includes(p))) problems.push(`the runtime stage lacks ${p}`);
  for (const run of ofKeyword(runtime, "RUN").map((r) => r.getArgumentsContent() ?? "")) {
    if (/\bnpm (ci|install|i)\b/.test(run)) problems.push("the runtime stage installs npm packages itself");
  }
  if (ofKeyword(runtime, "COPY").some((c) => (c.getArgumentsContent() ?? "").includes("src"))) {
    problems.push("the runtime stage copies sources");
  }

  const user = stageUser(runtime);
  if (user === undefined) problems.push("the runtime stage runs as root (no USER)");
  else if (/^(root|0)(:|$)/.test(user)) problems.push(`the runtime stage runs as ${user}`);

  if (stageEnv(runtime).NODE_ENV !== "production") problems.push("NODE_ENV is not production");
  const cmd = execForm(ofKeyword(runtime, "CMD").at(-1));
  if (!cmd) problems.push("CMD is missing or in shell form");
  const entrypoint = execForm(ofKeyword(runtime, "ENTRYPOINT").at(-1));
  if (!entrypoint || !/\btini$/.test(entrypoint[0] ?? "")) problems.push("ENTRYPOINT is not tini in exec form");

  const port = stageEnv(runtime).PORT;
  if (!ofKeyword(runtime, "EXPOSE").some((e) => e.getArgumentsContent()?.trim() === port)) {
    problems.push(`EXPOSE does not match PORT ${port}`);
  }
  const health = healthcheckExecForm(ofKeyword(runtime, "HEALTHCHECK").at(-1));
  if (!health) problems.push("HEALTHCHECK is missing or not an exec-form CMD");
  else if (!health.join(" ").includes("/healthz")) problems.push("HEALTHCHECK does not ask /healthz");
  else if (/\b(curl|wget)\b/.test(health.join(" "))) problems.push("HEALTHCHECK needs curl or wget (not in slim)");
  return problems;
}
