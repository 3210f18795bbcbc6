// unsafe-host mode: the same supervisor, bare on the host, for development on machines without bubblewrap.
// It is no sandbox (the commands run as the service's user and see its files); the probe allows it only
// with ALLOW_UNSAFE_SANDBOX=true and never in production. The commands still get a clean environment,
// rlimits, deadlines and output caps, and a command's process group is killed when it ends.
import type { SandboxLimits } from "../limits.js";
import { checkDatabase, COMMAND_ENV, composeSandbox, newSandboxId, type Mode } from "../composeSandbox.js";
import { ShellSession } from "../shell/shellSession.js";
import { commandLimits, fileLimits, maxResultLineBytes, startSupervisor, SUPERVISOR_SOURCE, type SupervisorConfig } from "../shell/supervisorProcess.js";
import { createWorkspace } from "../disk/hostWorkspace.js";

export function hostMode(options: { baseDir: string; limits: SandboxLimits }): Mode {
  const { baseDir, limits } = options;
  return {
    async create({ dbPath, signal }) {
      const db = await checkDatabase(dbPath);
      const workspace = await createWorkspace(baseDir, undefined);
      const config: SupervisorConfig = {
        tag: newSandboxId(),
        workdir: workspace.work,
        env: { ...COMMAND_ENV, HOME: workspace.work, TMPDIR: workspace.tmp },
        runner: { kind: "direct" },
        limits: commandLimits(limits, false),
        files: fileLimits(limits),
      };
      const shell = new ShellSession(
        startSupervisor({
          command: process.execPath,
          args: ["--max-old-space-size=64", "-e", SUPERVISOR_SOURCE, JSON.stringify(config)],
          options: { cwd: workspace.work, env: {} },
          maxLineBytes: maxResultLineBytes(limits),
        }),
        limits,
      );
      return composeSandbox({ mode: "unsafe-host", id: config.tag, workdir: workspace.work, dbPath: db, workspace, shell, limits, signal });
    },
  };
}
