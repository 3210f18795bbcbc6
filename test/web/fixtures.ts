// Answers of the viewer's data API for the component tests, typed by the shared schemas (fixtures.test.ts checks
// that each one parses). Deterministic: the same call always gives the same data.
import type {
  AgentRun,
  CandidateComparison,
  Comparison,
  ExperimentSummary,
  Span,
  TaskPage,
  TaskRow,
  Trace,
  TrialOutcome,
} from "../../src/viewer/schemas.js";

export function experimentSummary(overrides: Partial<ExperimentSummary> = {}): ExperimentSummary {
  const id = overrides.id ?? "exp-1";
  return {
    id,
    project: "tau2",
    name: "airline grok-3",
    created: "2025-10-13T11:40:16.000Z",
    dataset: { id: "ds-airline", name: "tau2-airline" },
    domain: "airline",
    agentModel: "grok-3",
    userModel: "grok-3",
    source: "ingest",
    evaluator: null,
    tasks: 3,
    trials: 12,
    maxTrials: 4,
    avgReward: { value: 0.5, ci: [0.25, 0.75] },
    passHatK: [
      { k: 1, value: 0.5, ci: [0.25, 0.75] },
      { k: 2, value: 0.4, ci: [0.15, 0.65] },
      { k: 3, value: 0.35, ci: [0.1, 0.6] },
      { k: 4, value: 0.33, ci: [0.0, 0.66] },
    ],
    scores: { reward: 0.5 },
    cost: 1.234,
    durationSeconds: 42.5,
    url: `/ui/experiments/${id}`,
    ...overrides,
  };
}

/** Outcomes by task: "pf" is a task whose first trial passed and second failed. */
function taskRows(pattern: Record<string, string>): TaskRow[] {
  const outcome = (c: string): TrialOutcome =>
    ({ p: "passed", f: "failed", h: "partial", e: "errored", x: "excluded" })[c] as TrialOutcome;
  return Object.entries(pattern).map(([taskId, cells]) => {
    const trials = [...cells].map((c, index) => ({
      index,
      trial: index,
      outcome: outcome(c),
      reward: c === "p" ? 1 : c === "f" ? 0 : c === "h" ? 0.5 : null,
      spanId: `trial-${taskId}-${index}`,
      durationSeconds: 10 + index,
      cost: 0.01,
      termination: c === "x" ? "infrastructure_error" : "user_stop",
    }));
    const counted = trials.filter((t) => t.outcome !== "excluded").length;
    const passed = trials.filter((t) => t.outcome === "passed").length;
    return {
      taskId,
      rowId: `row-${taskId}`,
      rootSpanId: `root-${taskId}`,
      description: `Task ${taskId}: change a flight reservation for a passenger who lost their booking code`,
      successRate: counted > 0 ? passed / counted : null,
      passed,
      counted,
      trials,
      cost: 0.01 * trials.length,
      durationSeconds: 12,
      termination: "user_stop",
    };
  });
}

export function taskPage(pattern: Record<string, string>): TaskPage {
  const tasks = taskRows(pattern);
  return {
    tasks,
    total: tasks.length,
    totalTasks: tasks.length,
    counts: {
      failing: tasks.filter((t) => t.passed === 0).length,
      flaky: tasks.filter((t) => t.passed > 0 && t.passed < t.counted).length,
      passing: tasks.filter((t) => t.counted > 0 && t.passed === t.counted).length,
    },
    maxTrials: Math.max(...tasks.map((t) => t.trials.length)),
    limit: 200,
    offset: 0,
  };
}

function span(overrides: Partial<Span> & Pick<Span, "spanId">): Span {
  return {
    id: overrides.spanId,
    rootSpanId: "root",
    parentSpanId: null,
    name: null,
    type: null,
    start: null,
    end: null,
    input: null,
    output: null,
    expected: null,
    error: null,
    metadata: null,
    scores: null,
    metrics: null,
    truncated: [],
    ...overrides,
  };
}

/** A tau2 task with `trials` trials, each a conversation: agent greets, user asks, agent calls a tool, result. */
export function tau2Trace(trials = 2, rewards: number[] = [1, 0]): Trace {
  const t0 = 1_760_000_000;
  const spans: Span[] = [
    span({
      spanId: "root",
      name: "11",
      type: "eval",
      start: t0,
      end: t0 + 100 * trials,
      input: { description: { purpose: "Change a reservation" }, user_scenario: { instructions: "You want to move your flight to May 20." } },
      expected: { actions: [{ name: "update_reservation_flights", arguments: { reservation_id: "ABC123" } }] },
      output: { trials: [], successes: 1 },
      scores: { reward: 0.5 },
    }),
  ];
  for (let t = 0; t < trials; t++) {
    const trial = `trial-${t}`;
    const s = t0 + t * 100;
    spans.push(
      span({
        spanId: trial,
        parentSpanId: "root",
        name: `trial ${t}`,
        type: "task",
        start: s,
        end: s + 90,
        input: { task_id: "11", trial: t },
        output: { reward: rewards[t] ?? 0, termination_reason: "user_stop", reward_info: { db_check: { db_match: rewards[t] === 1 } } },
        metadata: { trial: t, termination_reason: "user_stop" },
      }),
      span({
        spanId: `${trial}.0`,
        parentSpanId: trial,
        name: "agent",
        type: "llm",
        start: s,
        end: s + 2,
        output: { role: "assistant", content: "Hi! How can I help you today?" },
      }),
      span({
        spanId: `${trial}.1`,
        parentSpanId: trial,
        name: "user simulator",
        type: "llm",
        start: s + 2,
        end: s + 5,
        output: { role: "user", content: `I need to move my flight (trial ${t}).` },
      }),
      span({
        spanId: `${trial}.2`,
        parentSpanId: trial,
        name: "agent",
        type: "llm",
        start: s + 5,
        end: s + 8,
        output: {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_reservation_details", arguments: '{"reservation_id":"ABC123"}' } }],
        },
      }),
      span({
        spanId: `${trial}.3`,
        parentSpanId: trial,
        name: "get_reservation_details",
        type: "tool",
        start: s + 8,
        end: s + 9,
        input: { reservation_id: "ABC123" },
        output: '{"reservation_id":"ABC123","origin":"SFO","destination":"JFK"}',
      }),
    );
  }
  return {
    objectType: "experiment",
    objectId: "exp-1",
    rootSpanId: "root",
    kind: "tau2",
    spans,
    total: spans.length,
    truncated: false,
    experiment: { id: "exp-1", name: "airline grok-3", project: "tau2" },
  };
}

export function agentTrace(): Trace {
  const t0 = 1_760_000_000;
  const spans: Span[] = [
    span({
      spanId: "root",
      name: "sql_agent",
      type: "task",
      start: t0,
      end: t0 + 6,
      input: { question: "How many customers are in Germany?" },
      output: { answer: "There are 11 customers in Germany.", sql: "SELECT COUNT(*) AS n FROM customers WHERE country = 'Germany'", columns: ["n"], row_count: 1, rows: [[11]] },
      scores: { sql_correctness: 1 },
      metrics: { llm_calls: 2, tool_calls: 1 },
    }),
    span({
      spanId: "llm-1",
      parentSpanId: "root",
      name: "Chat Completion",
      type: "llm",
      start: t0,
      end: t0 + 2,
      input: [{ role: "user", content: "How many customers are in Germany?" }],
      output: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "bash", arguments: '{"command":"sqlite3 db.sqlite .schema"}' } }] },
        },
      ],
      metadata: { model: "gpt-4o-mini" },
    }),
    span({ spanId: "tool-1", parentSpanId: "root", name: "bash", type: "tool", start: t0 + 2, end: t0 + 3, input: { command: "sqlite3 db.sqlite .schema" }, output: "CREATE TABLE customers (id, country);" }),
    span({
      spanId: "submit-1",
      parentSpanId: "root",
      name: "submit_query",
      type: "tool",
      start: t0 + 4,
      end: t0 + 5,
      input: { sql: "SELECT COUNT(*) AS n FROM customers WHERE country = 'Germany'", answer: "There are 11 customers in Germany." },
      output: { columns: ["n"], row_count: 1, rows: [[11]] },
    }),
  ];
  return { objectType: "project_logs", objectId: "sema4-demo", rootSpanId: "root", kind: "agent", spans, total: spans.length, truncated: false, experiment: null };
}

export function evalTrace(): Trace {
  const spans: Span[] = [
    span({
      spanId: "root",
      name: "eval",
      type: "eval",
      start: 10,
      end: 14,
      input: { question: "Top 3 artists by sales?" },
      output: { trials: [{ sql: "SELECT 1" }], k: 1 },
      expected: { gold_sql: "SELECT name FROM artists LIMIT 3" },
      scores: { sql_correctness: 0 },
    }),
    span({ spanId: "task", parentSpanId: "root", name: "task", type: "task", start: 10, end: 13, input: { question: "Top 3 artists by sales?" } }),
    span({ spanId: "score", parentSpanId: "root", name: "sql_correctness", type: "score", start: 13, end: 14, scores: { sql_correctness: 0 } }),
  ];
  return { objectType: "experiment", objectId: "exp-eval", rootSpanId: "root", kind: "eval", spans, total: spans.length, truncated: false, experiment: { id: "exp-eval", name: "sql eval", project: "sema4-demo" } };
}

export function agentRun(overrides: Partial<AgentRun> = {}): AgentRun {
  return {
    id: "run-1",
    rootSpanId: "root",
    project: "sema4-demo",
    created: "2026-01-02T10:00:00.000Z",
    question: "How many customers are in Germany?",
    answer: "There are 11 customers in Germany.",
    sql: "SELECT COUNT(*) FROM customers WHERE country = 'Germany'",
    taskId: null,
    model: "gpt-4o-mini",
    outcome: "answered",
    error: null,
    steps: 4,
    tokens: 1234,
    cost: 0.0021,
    durationSeconds: 6.2,
    score: null,
    traceUrl: "/ui/traces/project_logs/sema4-demo/root",
    ...overrides,
  };
}

/** grok-3-mini (baseline) against grok-3: task 1 improved, 2 regressed, 3 the same, 4 and 5 in one run each. */
export function comparison(): Comparison {
  const baseline = experimentSummary({ id: "base", name: "airline grok-3-mini", agentModel: "grok-3-mini" });
  const candidate = experimentSummary({ id: "cand", name: "airline grok-3" });
  const cells = (outcomes: string) =>
    [...outcomes].map((c, i): { outcome: TrialOutcome; reward: number; spanId: string } => ({ outcome: c === "p" ? "passed" : "failed", reward: c === "p" ? 1 : 0, spanId: `s-${i}` }));
  const row = (taskId: string, baselineRate: number | null, candidateRate: number | null, status: CandidateComparison["rows"][number]["status"]) => ({
    taskId,
    description: `Task ${taskId}`,
    baselineRate,
    candidateRate,
    change: baselineRate === null || candidateRate === null ? null : candidateRate - baselineRate,
    status,
  });
  const rows = [row("2", 1, 0, "regressed"), row("1", 0, 1, "improved"), row("3", 0.5, 0.5, "same"), row("4", 1, null, "only_baseline"), row("5", null, 0, "only_candidate")];
  return {
    baseline,
    comparisons: [
      {
        candidate,
        sharedTasks: 3,
        onlyBaseline: ["4"],
        onlyCandidate: ["5"],
        onlyBaselineCount: 1,
        onlyCandidateCount: 1,
        statistics: [
          { name: "avg_reward", k: null, baseline: 0.5, candidate: 0.5, difference: 0, ci: [-0.5, 0.5], significant: false },
          { name: "pass^1", k: 1, baseline: 0.5, candidate: 0.5, difference: 0, ci: [-0.5, 0.5], significant: false },
        ],
        verdict: "could be noise",
        minimumDetectableDifference: 0.42,
        improved: [rows[1]],
        regressed: [rows[0]],
        rows,
        rowsTotal: rows.length,
      },
    ],
    runs: {
      base: { "1": { rootSpanId: "b1", successRate: 0, trials: cells("ff") }, "2": { rootSpanId: "b2", successRate: 1, trials: cells("pp") }, "3": { rootSpanId: "b3", successRate: 0.5, trials: cells("pf") }, "4": { rootSpanId: "b4", successRate: 1, trials: cells("pp") } },
      cand: { "1": { rootSpanId: "c1", successRate: 1, trials: cells("pp") }, "2": { rootSpanId: "c2", successRate: 0, trials: cells("ff") }, "3": { rootSpanId: "c3", successRate: 0.5, trials: cells("fp") }, "5": { rootSpanId: "c5", successRate: 0, trials: cells("ff") } },
    },
    confidence: 0.95,
  };
}
