// Just enough SQL lexing to tell whether a query orders its rows at the top level. A substring test gets it wrong:
// `ORDER BY` inside a subquery, a CTE or a window does not order the result.

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
    const ch = sql[i];
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
  return t.some((tok, i) => tok.depth === 0 && tok.text === "ORDER" && t[i + 1]?.text === "BY" && t[i + 1].depth === 0);
}
