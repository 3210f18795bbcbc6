// The virtual shell's `sqlite3`: the sqlite3 shell's arguments, output modes and common dot-commands, with
// every statement run read-only by the host's killable query runner (just-bash's own sqlite3 runs sql.js
// inside the shell's process, where a runaway query cannot be stopped).
import { decodeBytesToUtf8, defineCommand, type Command } from "just-bash";
import type { QueryResult } from "../types.js";
import { splitScript, type ScriptItem } from "./sqliteScript.js";

/** Runs one statement on the database the shell names `shellPath`; rejects with a message for the user. */
type ShellQuery = (shellPath: string, sql: string) => Promise<QueryResult>;

type OutputMode = "list" | "csv" | "tabs" | "json" | "line" | "column" | "markdown";
const MODES: Record<string, OutputMode> = {
  list: "list",
  csv: "csv",
  tabs: "tabs",
  json: "json",
  line: "line",
  column: "column",
  box: "column",
  table: "column",
  markdown: "markdown",
};
const IGNORED_OPTIONS = new Set(["readonly", "bail", "batch", "noinit", "safe", "interactive", "nofollow"]);

interface Format {
  mode: OutputMode;
  headers: boolean;
  separator: string;
}

const HELP = `Usage: sqlite3 [OPTIONS] FILENAME [SQL]...
Runs read-only SELECT/WITH/VALUES statements (one at a time) on FILENAME.
Options: -header -noheader -list -csv -tabs -json -line -column -markdown -separator SEP -cmd COMMAND
Dot-commands: .tables [PATTERN]  .schema [PATTERN]  .indexes [TABLE]  .headers on|off  .mode MODE
              .separator SEP  .help  .quit
PRAGMA statements are not run here; use their table-valued form: SELECT * FROM pragma_table_info('t');
`;

const text = (value: unknown): string =>
  value === null || value === undefined ? "" : value instanceof Uint8Array ? Buffer.from(value).toString("utf8") : String(value);

function csvField(value: unknown, separator: string): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  const s = text(value);
  return /["\r\n]/.test(s) || s.includes(separator) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

function jsonValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return JSON.stringify(text(value));
}

function render(result: QueryResult, format: Format): string {
  const { columns, rows } = result;
  if (rows.length === 0 && format.mode !== "list") return "";
  const lines = (header: string[] | undefined, body: string[][], join: (cells: string[]) => string) =>
    [...(header ? [join(header)] : []), ...body.map(join)].map((l) => `${l}\n`).join("");
  switch (format.mode) {
    case "list":
    case "tabs": {
      const separator = format.mode === "tabs" ? "\t" : format.separator;
      if (rows.length === 0) return "";
      return lines(format.headers ? columns : undefined, rows.map((r) => r.map(text)), (c) => c.join(separator));
    }
    case "csv":
      return lines(
        format.headers ? columns.map((c) => csvField(c, ",")) : undefined,
        rows.map((r) => r.map((v) => csvField(v, ","))),
        (c) => c.join(","),
      );
    case "json":
      return `[${rows.map((r) => `{${columns.map((c, i) => `${JSON.stringify(c)}:${jsonValue(r[i])}`).join(",")}}`).join(",\n")}]\n`;
    case "line": {
      const width = Math.max(...columns.map((c) => c.length));
      return rows.map((r) => columns.map((c, i) => `${c.padStart(width)} = ${text(r[i])}\n`).join("")).join("\n");
    }
    case "column":
    case "markdown": {
      const cells = rows.map((r) => r.map(text));
      const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
      const pad = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]));
      const rule = widths.map((w) => "-".repeat(w));
      if (format.mode === "markdown") {
        const row = (r: string[]) => `| ${pad(r).join(" | ")} |`;
        return [row(columns), `|${rule.map((d) => `-${d}-`).join("|")}|`, ...cells.map(row)].map((l) => `${l}\n`).join("");
      }
      const row = (r: string[]) => pad(r).join("  ").trimEnd();
      return [row(columns), rule.join("  "), ...cells.map(row)].map((l) => `${l}\n`).join("");
    }
  }
}

const quoteLike = (pattern: string) => `'${pattern.replace(/'/g, "''")}'`;

/** The SELECT a dot-command stands for, or a message when it has none here. */
function dotQuery(name: string, arg: string | undefined): string | undefined {
  switch (name) {
    case "tables":
    case "table":
      return `SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'${
        arg ? ` AND name LIKE ${quoteLike(arg)}` : ""
      } ORDER BY 1`;
    case "schema":
      return `SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'${
        arg ? ` AND tbl_name LIKE ${quoteLike(arg)}` : ""
      } ORDER BY tbl_name, type DESC, name`;
    case "indexes":
    case "indices":
      return `SELECT name FROM sqlite_schema WHERE type = 'index'${arg ? ` AND tbl_name LIKE ${quoteLike(arg)}` : ""} ORDER BY 1`;
    default:
      return undefined;
  }
}

export interface Sqlite3Options {
  query: ShellQuery;
  /** Named in the message for `sqlite3` without a file. */
  dbShellPath: string;
}

export function sqlite3Command(options: Sqlite3Options): Command {
  return defineCommand("sqlite3", async (args, ctx) => {
    const format: Format = { mode: "list", headers: false, separator: "|" };
    let file: string | undefined;
    const commands: string[] = [];
    const before: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (file !== undefined || !arg.startsWith("-") || arg === "-") {
        if (file === undefined) file = arg;
        else commands.push(arg);
        continue;
      }
      const option = arg.replace(/^--?/, "");
      if (option === "help") return { stdout: HELP, stderr: "", exitCode: 0 };
      if (option === "version") return { stdout: "sqlite3 (read-only, sandboxed)\n", stderr: "", exitCode: 0 };
      if (option === "header" || option === "headers") format.headers = true;
      else if (option === "noheader") format.headers = false;
      else if (MODES[option]) format.mode = MODES[option]!;
      else if (option === "separator" && i + 1 < args.length) format.separator = args[++i]!;
      else if (option === "cmd" && i + 1 < args.length) before.push(args[++i]);
      else if (!IGNORED_OPTIONS.has(option)) {
        return { stdout: "", stderr: `sqlite3: unknown option: ${arg}\nUse -help for a list of options.\n`, exitCode: 1 };
      }
    }
    if (file === undefined || file === ":memory:" || file === "") {
      return { stdout: "", stderr: `sqlite3: name a database file; the task's database is ${options.dbShellPath}\n`, exitCode: 1 };
    }
    const dbPath = ctx.fs.resolvePath(ctx.cwd, file);
    const scripts = [...before, ...(commands.length > 0 ? commands : [decodeBytesToUtf8(ctx.stdin)])];
    const items: ScriptItem[] = scripts.flatMap(splitScript);

    let stdout = "";
    for (const item of items) {
      let sql: string;
      if ("dot" in item) {
        const [name = "", arg] = item.dot.slice(1).trim().split(/\s+/);
        if (name === "quit" || name === "exit") break;
        if (name === "help") {
          stdout += HELP;
          continue;
        }
        if (name === "headers" || name === "header") {
          format.headers = arg === "on" || arg === "1" || arg === "yes";
          continue;
        }
        if (name === "mode" && arg && MODES[arg]) {
          format.mode = MODES[arg]!;
          continue;
        }
        if (name === "separator" && arg) {
          format.separator = arg.replace(/^["']|["']$/g, "");
          continue;
        }
        const translated = dotQuery(name, arg);
        if (!translated) {
          return { stdout, stderr: `Error: .${name} is not available in this sandbox (see .help)\n`, exitCode: 1 };
        }
        sql = translated;
      } else {
        sql = item.sql;
      }
      try {
        const result = await options.query(dbPath, sql);
        const dotFormat: Format = { mode: "list", headers: false, separator: " " };
        stdout += render(result, "dot" in item ? dotFormat : format);
        if (result.truncated) {
          return { stdout, stderr: `sqlite3: output stopped at ${result.rows.length} rows (the sandbox's row cap)\n`, exitCode: 0 };
        }
      } catch (e) {
        return { stdout, stderr: `Error: ${(e as Error).message}\n`, exitCode: 1 };
      }
    }
    return { stdout, stderr: "", exitCode: 0 };
  });
}
