// Just enough SQL lexing to answer two questions about a query without running it: does it order its rows at
// the top level, and is it exactly one read-only statement. A substring test gets both wrong: `ORDER BY` inside
// a subquery or a window does not order the result, and `WITH … DELETE` starts like a read.

interface Token {
  /** Upper-cased keyword or identifier; punctuation as itself. */
  text: string;
  depth: number;
}

const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;

/** Words and punctuation outside literals, quoted identifiers and comments, each with its paren depth. */
function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  const skipQuoted = (close: string) => {
    for (i++; i < sql.length; i++) {
      if (sql[i] !== close) continue;
      if (close !== "]" && sql[i + 1] === close) i++; // doubled quote escapes itself
      else break;
    }
    i++;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === "`") {
      skipQuoted(ch);
      out.push({ text: ch === "'" ? "'literal'" : "identifier", depth });
    } else if (ch === "[") {
      skipQuoted("]");
      out.push({ text: "identifier", depth });
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (/\s/.test(ch)) {
      i++;
    } else {
      WORD.lastIndex = i;
      const m = WORD.exec(sql);
      if (m) {
        out.push({ text: m[0].toUpperCase(), depth });
        i += m[0].length;
      } else {
        if (ch === ")") depth = Math.max(0, depth - 1);
        out.push({ text: ch, depth });
        if (ch === "(") depth++;
        i++;
      }
    }
  }
  return out;
}

/** True when the statement itself (not a subquery, CTE or window) ends in ORDER BY. */
export function hasTopLevelOrderBy(sql: string): boolean {
  const t = tokens(sql);
  return t.some((tok, i) => tok.depth === 0 && tok.text === "ORDER" && t[i + 1]?.text === "BY" && t[i + 1]!.depth === 0);
}

export type StatementCheck = { ok: true } | { ok: false; reason: "empty" | "multiple_statements" | "not_read_only" };

const VERBS = new Set(["SELECT", "VALUES", "INSERT", "UPDATE", "DELETE", "REPLACE"]);
const READS = new Set(["SELECT", "VALUES"]);

/** Exactly one statement, and one that reads: SELECT, VALUES, or WITH … SELECT. */
export function checkReadOnlyStatement(sql: string): StatementCheck {
  const t = tokens(sql);
  const semicolon = t.findIndex((tok) => tok.text === ";" && tok.depth === 0);
  const statement = semicolon < 0 ? t : t.slice(0, semicolon);
  if (semicolon >= 0 && t.slice(semicolon).some((tok) => tok.text !== ";")) {
    return { ok: false, reason: "multiple_statements" };
  }
  const first = statement.find((tok) => tok.text !== "(");
  if (!first) return { ok: false, reason: "empty" };
  // A CTE list is parenthesised, so the first top-level verb after WITH is the statement's own.
  const verb = first.text === "WITH" ? statement.find((tok) => tok.depth === 0 && VERBS.has(tok.text))?.text : first.text;
  return verb !== undefined && READS.has(verb) ? { ok: true } : { ok: false, reason: "not_read_only" };
}
