// The /eval request body (protocol spec §8.2), parsed leniently where the reference was strict for no reason:
// `parent: null` and `scores: null` mean absent. Unknown keys are dropped.
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
  z.object({ data: z.array(z.unknown()) }),
  z.object({ experiment_name: z.string() }),
]);

export const evalParentSchema = z.union([
  z.string(),
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
