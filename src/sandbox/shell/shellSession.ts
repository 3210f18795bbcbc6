// The host's side of a run's long-lived shell process (bubblewrap's supervisor, the host supervisor, the
// virtual shell): one request at a time, a command or a file operation, each with a deadline the host enforces
// on its own, whatever the process inside does. File operations wait their turn behind commands, so none runs
// while a command does. A process that misses its deadline, is cancelled or dies is killed whole and started
// afresh on the next request; the workspace survives it (bubblewrap's is the run's, not the process's: see
// bwrap.ts).
import { z } from "zod";
import { AppError } from "../../errors.js";
import type { ExecOptions, ExecResult } from "../types.js";
import type { SandboxLimits } from "../limits.js";

/** What a shell process reports for one command; checked, since the process runs what the model wrote. */
export const execResultSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int(),
  truncated: z.boolean(),
  timedOut: z.boolean(),
});

/** What a shell process answers for one file operation: the value, or the errno-like code of its failure. */
export const fileReplySchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
export type FileReply = z.infer<typeof fileReplySchema>;

export type FileRequest = { op: "read" | "list"; path: string } | { op: "write"; path: string; content: string };

/** What the host asks of a shell process; each is sent with an id its reply carries back. */
export type ShellCall = { op: "exec"; command: string; timeoutMs: number; maxOutputBytes: number } | FileRequest;
type ShellRequest = ShellCall & { id: number };

export type ShellReply = { result: ExecResult } | { file: FileReply };

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
  reply(id: number, reply: ShellReply): void;
  exit(): void;
}

export type StartShell = (events: ShellEvents) => ShellProcess;

/** How long past a command's own deadline the host waits before it kills the whole shell. */
const HOST_GRACE_MS = 2_000;
/** A file operation touches one file of a bounded size: this is only for a shell that stopped answering. */
const FILE_TIMEOUT_MS = 30_000;

interface Waiting {
  id: number;
  settle(outcome: { reply: ShellReply } | { error: Error }): void;
}

export class ShellSession {
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
    const overran = () => ({ result: lostResult("the command overran its deadline; the sandbox was restarted", true) });
    const reply = await this.enqueue(
      { op: "exec", command, timeoutMs, maxOutputBytes: this.limits.maxOutputBytes },
      timeoutMs + HOST_GRACE_MS,
      overran,
      options.signal,
    );
    if (!("result" in reply)) throw new AppError("INTERNAL", "the sandbox answered a command with a file reply");
    return reply.result;
  }

  /** One file operation, done by the shell process on its own workspace. */
  async file(request: FileRequest, signal?: AbortSignal): Promise<FileReply> {
    const timedOut = () => {
      throw new AppError("TIMEOUT", "the sandbox did not answer a file operation; it was restarted");
    };
    const reply = await this.enqueue(request, FILE_TIMEOUT_MS, timedOut, signal);
    if ("result" in reply) throw new AppError("INTERNAL", reply.result.stderr.trim());
    return reply.file;
  }

  private enqueue(
    request: ShellCall,
    deadlineMs: number,
    onDeadline: () => ShellReply,
    signal: AbortSignal | undefined,
  ): Promise<ShellReply> {
    const run = this.queue.then(() => this.sendNow(request, deadlineMs, onDeadline, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Kills the shell and waits (a bounded while) for it to be gone. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = this.stop();
    this.waiting?.settle({ error: new AppError("CANCELLED", "the sandbox was closed") });
    await stopped;
  }

  private sendNow(
    request: ShellCall,
    deadlineMs: number,
    onDeadline: () => ShellReply,
    signal: AbortSignal | undefined,
  ): Promise<ShellReply> {
    if (this.closed) return Promise.reject(new AppError("BAD_REQUEST", "the sandbox is closed"));
    if (signal?.aborted) return Promise.reject(cancelled());
    const shell = this.ensureStarted();
    const id = this.nextId++;
    return new Promise<ShellReply>((resolve, reject) => {
      // The shell is gone, with everything it started, before the caller hears back.
      const deadline = setTimeout(() => {
        void this.stop().then(() => {
          try {
            settle({ reply: onDeadline() });
          } catch (e) {
            settle({ error: e as Error });
          }
        });
      }, deadlineMs);
      const onAbort = () => void this.stop().then(() => settle({ error: cancelled() }));
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle: Waiting["settle"] = (outcome) => {
        if (this.waiting?.id !== id) return;
        this.waiting = undefined;
        clearTimeout(deadline);
        signal?.removeEventListener("abort", onAbort);
        if ("reply" in outcome) resolve(outcome.reply);
        else reject(outcome.error);
      };
      this.waiting = { id, settle };
      shell.send({ ...request, id });
    });
  }

  private ensureStarted(): ShellProcess {
    if (this.process) return this.process;
    this.answered = false;
    const shell = this.start({
      reply: (id, reply) => {
        if (this.process !== shell) return;
        this.answered = true;
        if (this.waiting?.id === id) this.waiting.settle({ reply });
      },
      exit: () => {
        if (this.process !== shell) return;
        this.process = undefined;
        const why = shell.diagnostics().trim();
        if (!this.answered) {
          // It never ran a command: the sandbox cannot start here (namespaces refused, binary missing...).
          this.waiting?.settle({ error: new AppError("INTERNAL", `the sandbox could not start${why ? `: ${why}` : ""}`) });
        } else {
          this.waiting?.settle({ reply: { result: lostResult("the sandbox's shell stopped; it restarts on the next command", false) } });
        }
      },
    });
    this.process = shell;
    return shell;
  }

  /** Kills the shell; settles once it has exited (or after a bounded wait for one that will not say so). */
  private stop(): Promise<void> {
    const shell = this.process;
    this.process = undefined;
    if (!shell) return Promise.resolve();
    shell.kill();
    return Promise.race([shell.exited, new Promise<void>((r) => setTimeout(r, 3_000).unref())]);
  }
}

function cancelled(): AppError {
  return new AppError("CANCELLED", "the command was cancelled");
}

function lostResult(message: string, timedOut: boolean): ExecResult {
  return { stdout: "", stderr: `${message}\n`, exitCode: 137, truncated: false, timedOut };
}
