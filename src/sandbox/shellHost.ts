// The host's side of a run's long-lived shell process (bubblewrap's supervisor, the host supervisor, the
// virtual shell): one command at a time, each with a deadline the host enforces on its own, whatever the
// process inside does. A process that misses its deadline, is cancelled or dies is killed whole and
// started afresh on the next command; the workspace on disk survives it.
import { z } from "zod";
import { AppError } from "../errors.js";
import type { ExecOptions, ExecResult } from "./types.js";
import type { SandboxLimits } from "./limits.js";

/** What a shell process reports for one command; checked, since the process runs what the model wrote. */
export const execResultSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int(),
  truncated: z.boolean(),
  timedOut: z.boolean(),
});

export interface ShellRequest {
  id: number;
  command: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

/** One started shell process, as the host drives it. */
export interface ShellProcess {
  send(request: ShellRequest): void;
  /** Kills the process and everything it started. */
  kill(): void;
  /** What the process said on stderr, for diagnostics (capped). */
  diagnostics(): string;
  /** Settles once the process has exited. */
  readonly exited: Promise<void>;
}

export interface ShellEvents {
  result(id: number, result: ExecResult): void;
  exit(): void;
}

export type StartShell = (events: ShellEvents) => ShellProcess;

/** How long past a command's own deadline the host waits before it kills the whole shell. */
const HOST_GRACE_MS = 2_000;

interface Waiting {
  id: number;
  settle(outcome: { result: ExecResult } | { error: Error }): void;
}

export class ShellHost {
  private process: ShellProcess | undefined;
  private answered = false;
  private waiting: Waiting | undefined;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly start: StartShell,
    private readonly limits: SandboxLimits,
  ) {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (typeof command !== "string" || command.trim() === "") throw new AppError("BAD_REQUEST", "the command is empty");
    if (Buffer.byteLength(command) > this.limits.maxCommandBytes) {
      throw new AppError("PAYLOAD_TOO_LARGE", `the command is over ${this.limits.maxCommandBytes} bytes`);
    }
    const timeoutMs = Math.min(Math.max(1, Math.floor(options.timeoutMs ?? this.limits.timeoutMs)), this.limits.maxTimeoutMs);
    const run = this.queue.then(() => this.execNow(command, timeoutMs, options.signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Kills the shell and waits (a bounded while) for it to be gone. */
  async close(): Promise<void> {
    this.closed = true;
    const shell = this.process;
    this.stop();
    this.waiting?.settle({ error: new AppError("CANCELLED", "the sandbox was closed") });
    if (shell) await Promise.race([shell.exited, new Promise((r) => setTimeout(r, 3_000).unref())]);
  }

  private execNow(command: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new AppError("BAD_REQUEST", "the sandbox is closed"));
    if (signal?.aborted) return Promise.reject(cancelled());
    const shell = this.ensureStarted();
    const id = this.nextId++;
    return new Promise<ExecResult>((resolve, reject) => {
      const deadline = setTimeout(() => {
        this.stop();
        settle({ result: lostResult("the command overran its deadline; the sandbox was restarted", true) });
      }, timeoutMs + HOST_GRACE_MS);
      const onAbort = () => {
        this.stop();
        settle({ error: cancelled() });
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle: Waiting["settle"] = (outcome) => {
        if (this.waiting?.id !== id) return;
        this.waiting = undefined;
        clearTimeout(deadline);
        signal?.removeEventListener("abort", onAbort);
        if ("result" in outcome) resolve(outcome.result);
        else reject(outcome.error);
      };
      this.waiting = { id, settle };
      shell.send({ id, command, timeoutMs, maxOutputBytes: this.limits.maxOutputBytes });
    });
  }

  private ensureStarted(): ShellProcess {
    if (this.process) return this.process;
    this.answered = false;
    const shell = this.start({
      result: (id, result) => {
        if (this.process !== shell) return;
        this.answered = true;
        if (this.waiting?.id === id) this.waiting.settle({ result });
      },
      exit: () => {
        if (this.process !== shell) return;
        this.process = undefined;
        const why = shell.diagnostics().trim();
        if (!this.answered) {
          // It never ran a command: the sandbox cannot start here (namespaces refused, binary missing...).
          this.waiting?.settle({ error: new AppError("INTERNAL", `the sandbox could not start${why ? `: ${why}` : ""}`) });
        } else {
          this.waiting?.settle({ result: lostResult("the sandbox's shell stopped; it restarts on the next command", false) });
        }
      },
    });
    this.process = shell;
    return shell;
  }

  private stop(): void {
    const shell = this.process;
    this.process = undefined;
    shell?.kill();
  }
}

function cancelled(): AppError {
  return new AppError("CANCELLED", "the command was cancelled");
}

function lostResult(message: string, timedOut: boolean): ExecResult {
  return { stdout: "", stderr: `${message}\n`, exitCode: 137, truncated: false, timedOut };
}
