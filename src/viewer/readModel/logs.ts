// Project logs as a list of agent runs (POST /agent, `npm run agent`): what was asked, what came back, how it
// ended, and what it took. Read from the root spans only (index spans_roots).
import type { Db } from "../../recorder/localStore.js";
import { viewerLinks } from "../links.js";
import type { AgentRun, LogPage, LogsQuery, RunOutcome } from "../schemas.js";
import { DESCRIPTION_CHARS, excerpt } from "./taskTrials.js";
import { likePattern } from "./like.js";

interface RunRow {
  id: string;
  span_id: string;
  project: string;
  created: string;
  start: number | null;
  end: number | null;
  question: string | null;
  task_id: string | null;
  has_output: number;
  answer: string | null;
  sql: string | null;
  error: string | null;
  model: string | null;
  tokens: number | null;
  llm_calls: number | null;
  tool_calls: number | null;
  attempts: number | null;
  cost: number | null;
  score: number | null;
}

const cut = (expr: string) => `substr(${expr}, 1, ${DESCRIPTION_CHARS + 1})`;
const textOf = (column: string, path = "$") =>
  `CASE WHEN json_type(${column}, '${path}') = 'text' THEN json_extract(${column}, '${path}') END`;

const COLUMNS = `
  id, span_id, object_id AS project, created, start, "end",
  ${cut(`COALESCE(${textOf("input", "$.question")}, ${textOf("input")})`)} AS question,
  ${textOf("input", "$.id")} AS task_id,
  json_type(output, '$.answer') IS NOT NULL AS has_output,
  ${cut(textOf("output", "$.answer"))} AS answer,
  ${cut(textOf("output", "$.sql"))} AS sql,
  ${cut(`COALESCE(${textOf("error")}, error)`)} AS error,
  ${textOf("metadata", "$.model")} AS model,
  json_extract(metadata, '$.usage.total_tokens') AS tokens,
  json_extract(metrics, '$.llm_calls') AS llm_calls,
  json_extract(metrics, '$.tool_calls') AS tool_calls,
  json_extract(metrics, '$.attempts') AS attempts,
  json_extract(metrics, '$.estimated_cost') AS cost,
  json_extract(scores, '$.sql_correctness') AS score`;

export function readLogs(db: Db, query: LogsQuery): LogPage {
  const where = ["object_type = 'project_logs'", "parent_span_id IS NULL"];
  const params: unknown[] = [];
  if (query.project) {
    where.push("object_id = ?");
    params.push(query.project);
  }
  if (query.q) {
    where.push(`(json_extract(input, '$.question') LIKE ? ESCAPE '\\' OR json_extract(output, '$.answer') LIKE ? ESCAPE '\\')`);
    params.push(likePattern(query.q), likePattern(query.q));
  }
  const clause = where.join(" AND ");
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM spans WHERE ${clause} ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?`)
    .all(...params, query.limit, query.offset) as RunRow[];
  const { total } = db.prepare(`SELECT COUNT(*) AS total FROM spans WHERE ${clause}`).get(...params) as { total: number };
  const projects = db
    .prepare(`SELECT DISTINCT object_id AS project FROM spans WHERE object_type = 'project_logs' AND parent_span_id IS NULL ORDER BY object_id`)
    .all() as { project: string }[];
  return { runs: rows.map(toRun), total, limit: query.limit, offset: query.offset, projects: projects.map((p) => p.project) };
}

/** How a run ended: its score when it was scored, else whether it answered, gave up, or stopped on an error. */
export function runOutcome(r: { score: number | null; answer: string | null; hasOutput: boolean; error: string | null }): RunOutcome {
  if (r.score === 1) return "passed";
  if (r.score === 0) return "failed";
  if (r.answer !== null) return "answered";
  if (r.hasOutput) return "no_answer";
  return r.error !== null ? "errored" : "no_answer";
}

function toRun(r: RunRow): AgentRun {
  const counts = [r.llm_calls, r.tool_calls, r.attempts];
  return {
    id: r.id,
    rootSpanId: r.span_id,
    project: r.project,
    created: r.created,
    question: excerpt(r.question),
    answer: excerpt(r.answer),
    sql: excerpt(r.sql),
    taskId: r.task_id,
    model: r.model,
    outcome: runOutcome({ score: r.score, answer: r.answer, hasOutput: r.has_output === 1, error: r.error }),
    error: excerpt(r.error),
    steps: counts.every((c) => c === null) ? null : counts.reduce<number>((s, c) => s + (c ?? 0), 0),
    tokens: r.tokens,
    cost: r.cost,
    durationSeconds: r.start !== null && r.end !== null ? r.end - r.start : null,
    score: r.score,
    traceUrl: viewerLinks.trace("project_logs", r.project, r.span_id),
  };
}
