import { describe, expect, it } from "vitest";
import { conversationSpans, epochSeconds } from "../../../src/ingest/write/conversationSpans.js";
import type { MessageRecord } from "../../../src/ingest/compute/resultsFormats.js";

const speakers = { agentModel: "gpt-5", userModel: "gpt-4.1" };

describe("conversation spans", () => {
  it("pairs tool results with their calls by order when a trimmed file dropped the ids", () => {
    const messages = [
      { role: "user", content: "hi" },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          { name: "get_line", arguments: { id: "L1" } },
          { name: "get_bill", arguments: { id: "B1" } },
        ],
      },
      { role: "tool", content: "line" },
      { role: "tool", content: "bill" },
      { role: "assistant", content: "Done." },
    ] as MessageRecord[];
    const spans = conversationSpans(messages, "t", speakers);
    expect(spans.map((s) => [s.name, s.input, s.output])).toEqual([
      ["user simulator", [], { role: "user", content: "hi" }],
      [
        "agent",
        [{ role: "user", content: "hi" }],
        {
          role: "assistant",
          content: "Let me look.",
          tool_calls: [
            { type: "function", function: { name: "get_line", arguments: '{"id":"L1"}' } },
            { type: "function", function: { name: "get_bill", arguments: '{"id":"B1"}' } },
          ],
        },
      ],
      ["get_line", { id: "L1" }, "line"],
      ["get_bill", { id: "B1" }, "bill"],
      ["agent", [{ role: "tool", content: "line" }, { role: "tool", content: "bill" }], { role: "assistant", content: "Done." }],
    ]);
    expect(spans.map((s) => s.id)).toEqual(["t.0", "t.1", "t.2", "t.3", "t.4"]);
  });

  it("flattens a MultiToolMessage and marks tool errors", () => {
    const messages = [
      { role: "assistant", content: null, tool_calls: [{ id: "c1", name: "a", arguments: {} }, { id: "c2", name: "b", arguments: {} }] },
      {
        role: "tool",
        tool_messages: [
          { id: "c2", role: "tool", content: "second", requestor: "assistant", error: false },
          { id: "c1", role: "tool", content: "Error: no such line", requestor: "assistant", error: true },
        ],
      },
    ] as MessageRecord[];
    const [, second, first] = conversationSpans(messages, "t", speakers);
    expect([second.name, second.output, second.error]).toEqual(["b", "second", undefined]);
    expect([first.name, first.error]).toEqual(["a", "Error: no such line"]);
  });

  it("times a span from the previous message (or its generation time) to its own timestamp", () => {
    const messages = [
      { role: "assistant", content: "Hi", timestamp: "2025-08-01T16:23:10.000000" },
      { role: "user", content: "x", timestamp: "2025-08-01T16:23:12.500000" },
      { role: "assistant", content: "y", timestamp: "2025-08-01T16:23:20.000000", generation_time_seconds: 1.5 },
    ] as MessageRecord[];
    const spans = conversationSpans(messages, "t", speakers);
    const at = epochSeconds("2025-08-01T16:23:10.000000")!;
    expect(at).toBe(Date.UTC(2025, 7, 1, 16, 23, 10) / 1000);
    expect(spans.map((s) => [s.start! - at, s.end! - at])).toEqual([
      [0, 0],
      [0, 2.5],
      [8.5, 10],
    ]);
  });
});
