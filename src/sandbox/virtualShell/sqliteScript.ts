// Splits what the sqlite3 command is given into dot-commands and SQL statements the way the sqlite3 shell
// does: a line starting with "." outside a statement is a dot-command, and ";" ends a statement unless it
// is inside a string, a quoted name or a comment.

export type ScriptItem = { dot: string } | { sql: string };

/** The complete statements at the start of `text`, and what follows the last ";". */
function completeStatements(text: string): { complete: string[]; rest: string } {
  const complete: string[] = [];
  let start = 0;
  let i = 0;
  const skipTo = (end: string, from: number) => {
    const at = text.indexOf(end, from);
    return at < 0 ? text.length : at + end.length;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"' || c === "`") i = skipTo(c, i + 1);
    else if (c === "[") i = skipTo("]", i + 1);
    else if (c === "-" && text[i + 1] === "-") i = skipTo("\n", i + 2);
    else if (c === "/" && text[i + 1] === "*") i = skipTo("*/", i + 2);
    else if (c === ";") {
      complete.push(text.slice(start, i + 1));
      start = ++i;
    } else i++;
  }
  return { complete, rest: text.slice(start) };
}

const COMMENTS = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g;
const isBlank = (sql: string) => sql.replace(COMMENTS, "").replace(/;/g, "").trim() === "";

export function splitScript(script: string): ScriptItem[] {
  const items: ScriptItem[] = [];
  let buffer = "";
  for (const line of script.split("\n")) {
    if (isBlank(buffer) && line.trimStart().startsWith(".")) {
      items.push({ dot: line.trim() });
      buffer = "";
      continue;
    }
    buffer += `${line}\n`;
    const { complete, rest } = completeStatements(buffer);
    for (const sql of complete) if (!isBlank(sql)) items.push({ sql: sql.trim() });
    buffer = rest;
  }
  if (!isBlank(buffer)) items.push({ sql: buffer.trim() });
  return items;
}
