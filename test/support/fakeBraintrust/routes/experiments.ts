// Experiments: registration (reuse with `update`, a base experiment by name), lookups, and the summary the SDK
// asks for (experiment-comparison2) computed from the stored rows.
import { refusesRegistration } from "../faults.js";
import { HttpError } from "../httpError.js";
import { isRoot, publicExperiment, type FakeStore, type StoredRow } from "../store.js";
import type { Route } from "./route.js";

export const experimentRoutes: Route[] = [
  {
    method: "POST",
    path: "/api/experiment/register",
    handle: ({ body }, { store }) => {
      if (refusesRegistration(body.experiment_name)) {
        throw new HttpError(500, "fake braintrust: forced experiment/register failure");
      }
      return store.registerExperiment(body);
    },
  },
  {
    method: "POST",
    path: "/api/experiment/get",
    handle: ({ body }, { store }) => {
      const projectId = body.project_id ?? (body.project_name ? store.projectByName(body.project_name)?.id : undefined);
      return [...store.experiments.values()]
        .filter((e) => e.project_id === projectId && (!body.experiment_name || e.name === body.experiment_name))
        .map(publicExperiment);
    },
  },
  {
    method: "POST",
    path: "/api/base_experiment/get_id",
    handle: ({ body }, { store }) => {
      const e = store.experiments.get(body.id);
      const base = e?.base_exp_id ? store.experiments.get(e.base_exp_id) : undefined;
      if (!base) throw new HttpError(400, "No base experiment found");
      return { base_exp_id: base.id, base_exp_name: base.name, base_exp_project_id: base.project_id };
    },
  },
  {
    method: "GET",
    path: /^\/v1\/experiment\/([^/]+)$/,
    handle: ({ params: [id] }, { store }) => {
      const e = store.experiments.get(id);
      if (!e) throw new HttpError(404, `Experiment ${id} not found`);
      return publicExperiment(e);
    },
  },
  {
    method: "GET",
    path: "/experiment-comparison2",
    handle: ({ query }, { store }) => {
      if (!query.experiment_id || !store.experiments.has(query.experiment_id)) {
        throw new HttpError(404, `Experiment ${query.experiment_id} not found`);
      }
      return comparison(store, query.experiment_id, query.base_experiment_id);
    },
  },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Scores per trace (the root row's own, else the mean of its spans'), then the mean over traces. */
function summarize(store: FakeStore, experimentId: string) {
  const traces = new Map<string, { root?: StoredRow; spanScores: Record<string, number[]> }>();
  for (const r of store.rows({ experiment_id: experimentId })) {
    const key = String(r.root_span_id ?? r.id);
    const t = traces.get(key) ?? { spanScores: {} };
    if (isRoot(r)) t.root = r;
    for (const [k, v] of Object.entries((r.scores ?? {}) as Record<string, unknown>)) {
      if (typeof v === "number") (t.spanScores[k] ??= []).push(v);
    }
    traces.set(key, t);
  }
  const perScore: Record<string, number[]> = {};
  const durations: number[] = [];
  for (const t of traces.values()) {
    const rootScores = (t.root?.scores ?? {}) as Record<string, unknown>;
    for (const [k, vs] of Object.entries(t.spanScores)) {
      const v = typeof rootScores[k] === "number" ? (rootScores[k]) : mean(vs);
      (perScore[k] ??= []).push(v);
    }
    const m = (t.root?.metrics ?? {}) as Record<string, unknown>;
    if (typeof m.start === "number" && typeof m.end === "number") durations.push(m.end - m.start);
  }
  const scores = Object.fromEntries(Object.entries(perScore).map(([name, vs]) => [name, mean(vs)]));
  return { scores, duration: durations.length ? mean(durations) : undefined };
}

/** The experiment-comparison2 shape; `diff` against the base experiment where both have the score. */
function comparison(store: FakeStore, experimentId: string, baseId: string | undefined) {
  const current = summarize(store, experimentId);
  const base = baseId && store.experiments.has(baseId) ? summarize(store, baseId) : undefined;
  const diff = (now: number, before: number | undefined) => (before === undefined ? {} : { diff: now - before });
  const scores = Object.fromEntries(
    Object.entries(current.scores).map(([name, score]) => [
      name,
      { name, score, improvements: 0, regressions: 0, ...diff(score, base?.scores[name]) },
    ]),
  );
  const metrics =
    current.duration === undefined
      ? {}
      : {
          duration: {
            name: "duration",
            metric: current.duration,
            unit: "s",
            improvements: 0,
            regressions: 0,
            ...diff(current.duration, base?.duration),
          },
        };
  return { scores, metrics };
}
