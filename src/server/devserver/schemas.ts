// The /eval request body (protocol spec §8.2), parsed leniently where the reference was strict for no reason:
// `parent: null` and `scores: null` mean absent. Unknown keys are dropped.
import { SpanComponentsV4 } from "braintrust/util";
import { z } from "zod";

const btql = z.record(z.string(), z.unknown()).nullish();
const datasetRef = {
  dataset_version: z.string().nullish(),
  dataset_environment: z.string().nullish(),
  _internal_btql: btql,
};

// Tried in this order, first match wins (as in the reference's union).
export const evalDataSchema = z.union([
  z.object({ dataset_id: z.string(), ...datasetRef }),
  z.object({ project_name: z.string(), dataset_name: z.string(), ...datasetRef }),
  // Rows are eval cases ({input, expected, metadata, …}); anything else would fail deep inside the run.
  z.object({ data: z.array(z.record(z.string(), z.unknown())) }),
  z.object({ experiment_name: z.string() }),
]);

/** An exported span (`span.export()`): the SDK decodes it only once the run has started. */
const exportedSpan = z.string().refine(
  (slug) => {
    try {
      SpanComponentsV4.fromStr(slug);
      return true;
    } catch {
      return false;
    }
  },
  { message: "not an exported span (the value of span.export())" },
);

export const evalParentSchema = z.union([
  exportedSpan,
  z.object({
    object_type: z.enum(["project_logs", "experiment", "playground_logs"]),
    object_id: z.string(),
    row_ids: z.object({ id: z.string(), span_id: z.string(), root_span_id: z.string() }).nullish(),
    propagated_event: z.record(z.string(), z.unknown()).nullish(),
  }),
]);

export const evalBodySchema = z.object({
  name: z.string(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  data: evalDataSchema,
  scores: z
    .array(z.object({ name: z.string(), function_id: z.record(z.string(), z.unknown()) }))
    .nullish(),
  experiment_name: z.string().nullish(),
  project_id: z.string().nullish(),
  parent: evalParentSchema.nullish(),
  stream: z.boolean().optional(),
});

export type EvalBody = z.infer<typeof evalBodySchema>;
