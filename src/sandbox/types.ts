// The sandbox runs text written by a model. The agent's tools call only this interface.

export type SandboxMode = "bwrap" | "virtual" | "unsafe-host";

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Output was cut at the cap. */
  truncated: boolean;
  /** The command hit its deadline and its whole process group was killed. */
  timedOut: boolean;
}

export interface ExecOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  /** More rows existed than the cap allowed. */
  truncated: boolean;
}

export interface QueryOptions {
  signal?: AbortSignal;
  /** How results and errors name the database (default: /data/<its file name>, as the sandbox shows it). */
  shownPath?: string;
  timeoutMs?: number;
  maxRows?: number;
}

/** One per agent run: its own workspace, torn down by close(). */
export interface Sandbox {
  readonly mode: SandboxMode;
  /** Names the run: the command lines of its processes on the host carry it. */
  readonly id: string;
  /** The workspace as the shell sees it: every command starts there (e.g. /work). */
  readonly workdir: string;
  /** The database as the shell sees it, read-only (e.g. /data/sema4_eval.db): name it in the agent's prompt. */
  readonly dbPath: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Paths are relative to the workspace; anything resolving outside it is refused. */
  readFile(path: string): Promise<string>;
  writeFile(path: string, content: string): Promise<void>;
  listDir(path: string): Promise<{ name: string; type: "file" | "dir" | "other"; size: number }[]>;
  close: () => Promise<void>;
}

export interface SandboxFactory {
  readonly mode: SandboxMode;
  /** Why this mode was chosen (the start-up probe's findings), for logs and /readyz. */
  readonly reason: string;
  create(options: { dbPath: string; signal?: AbortSignal }): Promise<Sandbox>;
  /** Runs model-written SQL on the host's database file: the agent's final query and the sql_correctness scorer. */
  readonly runQuery: ReadonlyQueryRunner;
  /** Stops the query workers; sandboxes already created are closed by their owners. */
  close(): Promise<void>;
}

/** Runs model-written SQL read-only where a runaway query can be killed. */
export type ReadonlyQueryRunner = (dbPath: string, sql: string, options?: QueryOptions) => Promise<QueryResult>;
