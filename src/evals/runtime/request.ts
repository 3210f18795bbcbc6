// What one remote eval is asked to run on and under, and who asks: the data and parent of an /eval body (their
// zod schemas are the types), and the caller whose login every Braintrust call of the run uses.
import { z } from "zod";
import type { BraintrustLogin } from "../../braintrust/sessions.js";

const btql = z.record(z.string(), z.unknown()).nullish();
const datasetRef = {
  dataset_version: z.string().nullish(),
  dataset_environment: z.string().nullish(),
  _internal_btql: btql,
};

// Tried in this order, first match wins (as in the SDK's union, docs/devserver-protocol.md §8.2).
export const evalDataSchema = z.union([
  z.object({ dataset_id: z.string(), ...datasetRef }),
  z.object({ project_name: z.string(), dataset_name: z.string(), ...datasetRef }),
  // Rows are eval cases ({input, expected, metadata, …}); anything else would fail deep inside the run.
  z.object({ data: z.array(z.record(z.string(), z.unknown())) }),
  z.object({ experiment_name: z.string() }),
], { error: "expected {data: [{input, expected?, …}, …]}, {dataset_id}, {project_name, dataset_name} or {experiment_name}" });

/** What `parent` as a string must be; checked with the SDK (parentSlugIssue), which the schema does not load. */
export const NOT_AN_EXPORTED_SPAN = "not an exported span (the value of span.export())";

export const evalParentSchema = z.union([
  // An exported span (`span.export()`): decoded by the SDK before the run starts.
  z.string(),
  z.object({
    object_type: z.enum(["project_logs", "experiment", "playground_logs"]),
    object_id: z.string(),
    row_ids: z.object({ id: z.string(), span_id: z.string(), root_span_id: z.string() }).nullish(),
    propagated_event: z.record(z.string(), z.unknown()).nullish(),
  }),
], { error: "expected an exported span (the value of span.export()) or {object_type: project_logs | experiment | playground_logs, object_id}" });

export type EvalData = z.infer<typeof evalDataSchema>;
export type EvalParent = z.infer<typeof evalParentSchema>;

/** Who runs an eval from the Playground: their own Braintrust login. Never logged. */
export interface Caller {
  /** Who the login is (org and key, no secret in it): the key of their rate limit and share of the service. */
  id: string;
  /** Their login; the SDK's state of it is built when a run first needs it. */
  login: BraintrustLogin;
  token: string;
  orgName: string;
  /** x-bt-project-id: forwarded to function/invoke so project-level AI secrets apply. */
  projectId?: string;
}
