import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, loadConfig } from "../../../src/config.js";
import {
  execForm,
  ofKeyword,
  readRepoDockerfile,
  repoRoot,
  runtimeStage,
  stageArgDefaults,
  stageEnv,
  stageWorkdir,
} from "./dockerfile.js";

const run = promisify(execFile);
const REMOVED_NAMES = ["keep_warm", "allow_concurrent_inputs", "container_idle_timeout", "concurrency_limit", "Mount"];

interface Call {
  call: string | null;
  args: unknown[];
  kwargs: Record<string, unknown>;
}
interface ModalApp {
  constants: Record<string, unknown>;
  identifiers: string[];
  calls: Call[];
  functions: { name: string; decorators: Call[] }[];
}

let workDir: string;
// Python writes no __pycache__ into the repository.
const pythonEnv = () => ({ ...process.env, PYTHONPYCACHEPREFIX: path.join(workDir, "pycache") });

async function inspectModalApp(file: string): Promise<ModalApp> {
  const { stdout } = await run("python3", [path.join(import.meta.dirname, "inspect_modal_app.py"), file], {
    env: pythonEnv(),
  });
  return JSON.parse(stdout) as ModalApp;
}

function onlyCall(app: ModalApp, name: string): Call {
  const found = app.calls.filter((c) => c.call === name);
  expect(found, `calls to ${name}`).toHaveLength(1);
  return found[0];
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "sema4-modal-"));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe("modal_app.py", () => {
  const runtime = runtimeStage(readRepoDockerfile());
  let app: ModalApp;
  beforeAll(async () => {
    app = await inspectModalApp(path.join(repoRoot, "modal_app.py"));
  });

  it("compiles", async () => {
    await run("python3", ["-m", "py_compile", path.join(repoRoot, "modal_app.py")], { env: pythonEnv() });
  });

  it("builds the image from the Dockerfile with Python added, as the root user Modal's builder needs", () => {
    const image = onlyCall(app, "modal.Image.from_dockerfile");
    expect(image.args[0]).toEqual({ path: "Dockerfile" });
    expect(image.kwargs.add_python).toBe("3.12");
    const buildArgs = image.kwargs.build_args as Record<string, string>;
    // Every build arg it sets is one the Dockerfile declares.
    expect(Object.keys(buildArgs).filter((k) => !(k in stageArgDefaults(runtime)))).toEqual([]);
  });

  it("serves one function: app.function, then modal.concurrent, then modal.web_server on the image's port", () => {
    expect(app.functions).toHaveLength(1);
    const [fn, concurrent, web] = app.functions[0].decorators;
    expect([fn?.call, concurrent?.call, web?.call]).toEqual(["app.function", "modal.concurrent", "modal.web_server"]);

    expect(web.kwargs.port).toBe(Number(stageEnv(runtime).PORT));
    expect(ofKeyword(runtime, "EXPOSE").map((e) => Number(e.getArgumentsContent()))).toContain(web.kwargs.port);
    expect(web.kwargs.startup_timeout).toBeGreaterThanOrEqual(60);

    for (const key of ["min_containers", "max_containers", "scaledown_window", "timeout"]) {
      expect(Number.isInteger(fn.kwargs[key]), key).toBe(true);
    }
    // A request is cut at 150 s by Modal's front door, not earlier by the function's own timeout.
    expect(fn.kwargs.timeout).toBeGreaterThan(150);
  });

  it("reads its keys from the sema4-demo-secrets secret, requiring only settings the service knows", () => {
    const fn = app.functions[0].decorators[0];
    const [secret] = fn.kwargs.secrets as Call[];
    expect(secret).toMatchObject({ call: "modal.Secret.from_name", args: ["sema4-demo-secrets"] });
    const required = secret.kwargs.required_keys as string[];
    expect(required).toContain("ADMIN_TOKEN");
    expect(required.filter((k) => !(k in configSchema.shape))).toEqual([]);
  });

  it("starts the Dockerfile's CMD in its WORKDIR on 0.0.0.0, taking as many requests as the service allows", () => {
    const popen = onlyCall(app, "subprocess.Popen");
    expect(popen.args[0]).toEqual(execForm(ofKeyword(runtime, "CMD").at(-1)));
    expect(popen.kwargs.cwd).toBe(stageWorkdir(runtime));
    const env = popen.kwargs.env as Record<string, string>;
    expect(env).toMatchObject({ HOST: "0.0.0.0", PORT: String(stageEnv(runtime).PORT) });

    const config = loadConfig({ ...stageEnv(runtime), ...env });
    const [, concurrent] = app.functions[0].decorators;
    expect(concurrent.kwargs.max_inputs).toBeGreaterThanOrEqual(config.MAX_CONCURRENT_EVALS);
  });

  it("gives every eval a time budget under Modal's 150 s cut of a web request, with time to spare", () => {
    const env = onlyCall(app, "subprocess.Popen").kwargs.env as Record<string, string>;
    const config = loadConfig({ ...stageEnv(runtime), ...env });
    expect(config.EVAL_TIME_BUDGET_MS).toBe(app.constants.EVAL_TIME_BUDGET_MS);
    expect(config.EVAL_TIME_BUDGET_MS).toBeLessThanOrEqual(150_000 - 5_000);
    // And not much shorter: the rest of the 150 s is the run's.
    expect(config.EVAL_TIME_BUDGET_MS).toBeGreaterThanOrEqual(120_000);
  });

  it("uses none of the names today's Modal removed", () => {
    expect(app.identifiers.filter((n) => REMOVED_NAMES.includes(n))).toEqual([]);
  });
});

describe("the Modal app inspector", () => {
  it("finds removed names wherever they appear", async () => {
    const file = path.join(workDir, "old_modal_app.py");
    await writeFile(
      file,
      [
        "import modal",
        "from modal import Mount",
        "app = modal.App('x')",
        "@app.function(keep_warm=1, container_idle_timeout=60, concurrency_limit=2, allow_concurrent_inputs=10)",
        "def f():",
        "    return modal.Mount.from_local_dir('.')",
        "",
      ].join("\n"),
    );
    const old = await inspectModalApp(file);
    expect(old.identifiers.filter((n) => REMOVED_NAMES.includes(n)).sort()).toEqual([...REMOVED_NAMES].sort());
  });
});
