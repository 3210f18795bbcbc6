import { describe, expect, it } from "vitest";
import { viewerLinks } from "../../src/viewer/links.js";
import { readable, foldPoint, FOLD_CHARS, FOLD_LINES } from "../../web/src/components/Value.js";
import { count, excerpt, interval, percent, points, seconds, usd } from "../../web/src/lib/format.js";
import { messageOf, parseJsonText } from "../../web/src/lib/messages.js";
import { trialLabel, trialSpanOutcome } from "../../web/src/lib/outcome.js";
import { isAppPath, parseRoute, withQuery } from "../../web/src/lib/router.js";
import { ancestorIds, visibleRows, waterfall } from "../../web/src/lib/spanTree.js";

describe("format", () => {
  it("reads shares, intervals, money and time, and a missing value as a dash", () => {
    expect(percent(0.6234)).toBe("62.3%");
    expect(percent(null)).toBe("–");
    expect(interval([0.55, 0.691])).toBe("[55.0, 69.1]");
    expect(interval([-0.05, 0.12], 1, true)).toBe("[-5.0, +12.0]");
    expect(points(0.052)).toBe("+5.2 pt");
    expect(points(-0.1)).toBe("-10.0 pt");
    expect(usd(0.0012)).toBe("$0.0012");
    expect(usd(12.345)).toBe("$12.35");
    expect(usd(null)).toBe("–");
    expect(seconds(0.25)).toBe("250 ms");
    expect(seconds(75)).toBe("1m 15s");
    expect(count(123456)).toBe("123k");
    expect(excerpt("a  b\n c", 10)).toBe("a b c");
    expect(excerpt("x".repeat(20), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

describe("router", () => {
  it("reads back every address the shared links make", () => {
    expect(parseRoute(viewerLinks.experiments(), "")).toEqual({ page: "experiments" });
    expect(parseRoute(viewerLinks.logs(), "")).toEqual({ page: "logs" });
    expect(parseRoute(viewerLinks.experiment("a/b c"), "")).toEqual({ page: "experiment", id: "a/b c" });
    const trace = new URL(viewerLinks.trace("experiment", "exp 1", "root/1", "span 2"), "http://x");
    expect(parseRoute(trace.pathname, trace.search)).toEqual({
      page: "trace",
      objectType: "experiment",
      objectId: "exp 1",
      rootSpanId: "root/1",
      spanId: "span 2",
    });
    const compare = new URL(viewerLinks.compare("a", ["b", "c"]), "http://x");
    expect(parseRoute(compare.pathname, `${compare.search}&differences=1`)).toEqual({
      page: "compare",
      baseline: "a",
      candidates: ["b", "c"],
      differencesOnly: true,
    });
  });

  it("leaves the service's own pages under /ui/ (sign-in, sign-out) to the browser", () => {
    expect(isAppPath(viewerLinks.signIn())).toBe(false);
    expect(isAppPath(viewerLinks.signOut())).toBe(false);
    expect(isAppPath("/api/experiments")).toBe(false);
    expect(isAppPath(viewerLinks.experiment("x"))).toBe(true);
    expect(parseRoute("/ui/traces/bogus/a/b", "").page).toBe("notFound");
  });

  it("sets and removes query parameters", () => {
    expect(withQuery("/ui/x", "?a=1&b=2", { a: null, c: "3" })).toBe("/ui/x?b=2&c=3");
    expect(withQuery("/ui/x", "?a=1", { a: null })).toBe("/ui/x");
  });
});

describe("waterfall", () => {
  const s = (spanId: string, parentSpanId: string | null, start: number | null, end: number | null) => ({ spanId, parentSpanId, start, end });

  it("orders spans depth first, children by start, with offsets on the trace's timeline", () => {
    const { rows, duration } = waterfall([s("c2", "r", 5, 10), s("r", null, 0, 10), s("c1", "r", 1, 4), s("g", "c1", 2, 3)]);
    expect(rows.map((r) => [r.span.spanId, r.depth])).toEqual([
      ["r", 0],
      ["c1", 1],
      ["g", 2],
      ["c2", 1],
    ]);
    expect(duration).toBe(10);
    expect(rows[1]).toMatchObject({ offset: 0.1, width: 0.3, childCount: 1, parent: 0 });
    expect(ancestorIds(rows, 2)).toEqual(["c1", "r"]);
    expect(visibleRows(rows, new Set(["c1"])).map((r) => r.span.spanId)).toEqual(["r", "c1", "c2"]);
    expect(visibleRows(rows, new Set(["r"])).map((r) => r.span.spanId)).toEqual(["r"]);
  });

  it("puts a span whose parent is missing at the top, and survives cycles and untimed spans", () => {
    const { rows } = waterfall([s("a", "b", null, null), s("b", "a", null, null), s("orphan", "nowhere", null, null)]);
    expect(rows.map((r) => r.span.spanId)).toEqual(["orphan"]);
    const self = waterfall([s("x", "x", 1, 2)]);
    expect(self.rows.map((r) => r.span.spanId)).toEqual(["x"]);
    expect(self.rows[0].width).toBe(1);
  });

  it("handles a deep trace without recursion", () => {
    const spans = Array.from({ length: 20_000 }, (_, i) => s(`s${i}`, i === 0 ? null : `s${i - 1}`, i, i + 1));
    const { rows } = waterfall(spans);
    expect(rows).toHaveLength(20_000);
    expect(rows[19_999].depth).toBe(19_999);
    expect(visibleRows(rows, new Set(["s1"]))).toHaveLength(2);
  });
});

describe("values", () => {
  it("pretty-prints JSON, also JSON that arrived as text, and leaves other text as it is", () => {
    expect(readable({ a: 1 })).toEqual({ text: '{\n  "a": 1\n}', json: true });
    expect(readable('{"a":[1,2]}').text).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(readable("{not json}")).toEqual({ text: "{not json}", json: false });
  });

  it("folds after a number of lines or characters, whichever comes first", () => {
    expect(foldPoint("short")).toBeNull();
    const lines = Array.from({ length: FOLD_LINES + 5 }, (_, i) => `line ${i}`).join("\n");
    expect(lines.slice(0, foldPoint(lines)!).split("\n")).toHaveLength(FOLD_LINES);
    expect(foldPoint("x".repeat(FOLD_CHARS + 1))).toBe(FOLD_CHARS);
  });
});

describe("messages and outcomes", () => {
  it("reads a message from a tau2 span's output and from OpenAI choices, with tool arguments parsed", () => {
    expect(messageOf({ role: "user", content: "hi" })).toEqual({ role: "user", content: "hi", toolCalls: [] });
    const m = messageOf([{ message: { role: "assistant", content: null, tool_calls: [{ id: "1", function: { name: "bash", arguments: '{"command":"ls"}' } }] } }]);
    expect(m).toEqual({ role: "assistant", content: null, toolCalls: [{ id: "1", name: "bash", arguments: { command: "ls" } }] });
    expect(messageOf("text")).toBeNull();
    expect(parseJsonText("[1]")).toEqual([1]);
    expect(parseJsonText("plain")).toBe("plain");
  });

  it("names a trial cell by task, trial and outcome", () => {
    expect(trialLabel("11", 1, "passed")).toBe("task 11, trial 1: passed");
    expect(trialSpanOutcome({ output: { reward: 1 }, metadata: {} })).toBe("passed");
    expect(trialSpanOutcome({ output: { reward: 0.9999999 }, metadata: {} })).toBe("passed");
    expect(trialSpanOutcome({ output: { reward: 0 }, metadata: {} })).toBe("failed");
    expect(trialSpanOutcome({ output: { reward: 0.5 }, metadata: {} })).toBe("partial");
    expect(trialSpanOutcome({ output: { reward: null }, metadata: {} })).toBe("errored");
    expect(trialSpanOutcome({ output: { reward: 0 }, metadata: { excluded_from_metrics: "infrastructure_error" } })).toBe("excluded");
  });
});
