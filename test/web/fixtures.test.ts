// The component tests' fixtures are answers the API could give: each parses with the API's shared schema.
import { describe, expect, it } from "vitest";
import { agentRunSchema, comparisonSchema, experimentSummarySchema, taskPageSchema, traceSchema } from "../../src/viewer/schemas.js";
import { agentRun, agentTrace, comparison, evalTrace, experimentSummary, taskPage, tau2Trace } from "./fixtures.js";

describe("fixtures", () => {
  it("satisfy the data API's schemas", () => {
    expect(() => experimentSummarySchema.parse(experimentSummary())).not.toThrow();
    expect(() => taskPageSchema.parse(taskPage({ "1": "pf", "2": "ff", "3": "px" }))).not.toThrow();
    for (const trace of [tau2Trace(), agentTrace(), evalTrace()]) expect(() => traceSchema.parse(trace)).not.toThrow();
    expect(() => agentRunSchema.parse(agentRun())).not.toThrow();
    expect(() => comparisonSchema.parse(comparison())).not.toThrow();
  });
});
