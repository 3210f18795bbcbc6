// /list shows a prompt parameter's default as the SDK's promptDefinitionToPromptData would, without the SDK.
import { promptDefinitionToPromptData } from "braintrust";
import { describe, expect, it } from "vitest";
import { promptDataOf, type PromptDefinition } from "../../../src/evals/runtime/parameters.js";

const definitions: PromptDefinition[] = [
  { model: "gpt-4o", messages: [{ role: "system", content: "Be brief about {{topic}}." }] },
  { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], params: { temperature: 0.2, max_tokens: 10 } },
  { model: "gpt-4o", messages: [], templateFormat: "nunjucks" },
  { model: "gpt-4o", prompt: "Complete: {{text}}", params: { temperature: 0 } },
  {
    model: "gpt-4o",
    messages: [{ role: "system", content: "use tools" }],
    tools: [{ type: "function", function: { name: "lookup", description: "find", parameters: { type: "object", properties: {} } } }],
  },
  { model: "gpt-4o", messages: [{ role: "system", content: "no tools" }], tools: [] },
];

describe("promptDataOf", () => {
  it.each(definitions.map((d, i) => [i, d] as const))("matches the SDK's promptDefinitionToPromptData (%i)", (_i, definition) => {
    const { tools, ...rest } = definition;
    const sdk = promptDefinitionToPromptData(rest as never, tools as never);
    expect(JSON.stringify(promptDataOf(definition))).toBe(JSON.stringify(sdk));
  });
});
