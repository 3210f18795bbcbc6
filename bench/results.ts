// Each benchmark owns one section of bench/RESULTS.md, replaced in place on every run.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const file = path.resolve(import.meta.dirname, "RESULTS.md");

export function writeResultsSection(id: string, title: string, body: string): void {
  const begin = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const section = `${begin}\n## ${title}\n\n${body}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n\nWritten by the `npm run bench:*` scripts; each owns its section.\n";
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
}
