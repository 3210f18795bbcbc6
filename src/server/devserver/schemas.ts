// The /eval request body (docs/devserver-protocol.md §8.2), parsed leniently where `braintrust eval --dev` was strict
// for no reason: `parent: null` and `scores: null` mean absent. Unknown keys are dropped.
import { z } from "zod";
import { evalDataSchema, evalParentSchema } from "../../evals/runtime/request.js";

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
