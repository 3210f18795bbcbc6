import { describe, expect, it } from "vitest";
import { JsonScanError, JsonScanner, type ScannedValue } from "../../../src/ingest/read/jsonScanner.js";
import { replaceNonFinite } from "../../../src/ingest/read/parseItem.js";

/** Scans `text` fed in chunks of the given sizes (cycled); returns the values as parsed JSON with their ranges. */
function scan(text: string, sizes: number[] = [text.length], maxValueBytes = 1 << 20) {
  const values: { key: string | null; index: number; offset: number; value: unknown; raw: string }[] = [];
  const keys: string[] = [];
  const scanner = new JsonScanner({
    streamedKeys: new Set(["tasks", "simulations"]),
    maxValueBytes,
    onValue: (v: ScannedValue) => {
      const raw = v.bytes.toString("utf8");
      values.push({ key: v.key, index: v.index, offset: v.offset, value: JSON.parse(raw), raw });
    },
    onKey: (k) => keys.push(k),
  });
  const bytes = Buffer.from(text);
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    // A fresh buffer per chunk, as streams deliver them.
    scanner.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  scanner.end();
  return { values, keys, rootKind: scanner.rootKind };
}

const doc = JSON.stringify(
  {
    timestamp: "2025-08-01T16:23:24",
    info: { llm: "gpt-5", nested: [[1, 2], { "a\"b": "c\\\\" }] },
    tasks: [{ id: "[x]y|z:1" }, { id: "é ✓ \u2028" }],
    simulations: [{ id: "s1", messages: [{ content: 'quote " brace } bracket ] backslash \\' }] }, {}],
    extra: null,
    n: -1.5e3,
  },
  null,
  2,
);

describe("JSON scanner", () => {
  it("hands over the top-level values and each element of the streamed arrays, with exact byte ranges", () => {
    const { values, keys, rootKind } = scan(doc);
    expect(rootKind).toBe("object");
    expect(keys).toEqual(["timestamp", "info", "tasks", "simulations", "extra", "n"]);
    expect(values.map((v) => [v.key, v.index])).toEqual([
      ["timestamp", -1],
      ["info", -1],
      ["tasks", 0],
      ["tasks", 1],
      ["simulations", 0],
      ["simulations", 1],
      ["extra", -1],
      ["n", -1],
    ]);
    const whole = JSON.parse(doc);
    expect(values[3].value).toEqual(whole.tasks[1]);
    expect(values[4].value).toEqual(whole.simulations[0]);
    expect(values[7].value).toBe(-1500);
    const bytes = Buffer.from(doc);
    for (const v of values) expect(bytes.subarray(v.offset, v.offset + Buffer.byteLength(v.raw)).toString()).toBe(v.raw);
  });

  it("gives the same values whatever the chunk boundaries (escapes and multi-byte characters split)", () => {
    const reference = scan(doc).values;
    for (const sizes of [[1], [2], [3], [7, 1, 13], [64]]) {
      expect(scan(doc, sizes).values).toEqual(reference);
    }
  });

  it("scans a top-level array element by element", () => {
    const { values, rootKind } = scan('\ufeff[ {"a": 1} , [2], "x\\"y", 3 ]', [4]);
    expect(rootKind).toBe("array");
    expect(values.map((v) => v.value)).toEqual([{ a: 1 }, [2], 'x"y', 3]);
    expect(values.map((v) => v.key)).toEqual([null, null, null, null]);
  });

  it("sees an empty streamed array", () => {
    const { values, keys } = scan('{"tasks": [], "simulations": []}');
    expect(values).toEqual([]);
    expect(keys).toEqual(["tasks", "simulations"]);
  });

  it.each([
    ['{"a": 1', "unexpected end of input", 7],
    ['{"simulations": [{"id": 1}, {"id": ', "inside simulations[1]", 35],
    ['{"a": [1, 2}', "unexpected '}'", 11],
    ['{"a": 1} x', "unexpected data after the end", 9],
    ['{"a": 1 "b": 2}', "expected ',' or '}'", 8],
    ['{"simulations": [1,]}', "unexpected ']' after ','", 19],
    ["", "empty document", 0],
    ["42", "expected a JSON object or array", 0],
    ['{a: 1}', "expected a property name", 1],
  ])("refuses %j: %s at byte %i", (text, message, offset) => {
    let error: unknown;
    try {
      scan(text, [3]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonScanError);
    expect((error as JsonScanError).message).toContain(message);
    expect((error as JsonScanError).offset).toBe(offset);
  });

  it("refuses a value larger than the limit, naming it", () => {
    expect(() => scan('{"simulations": [{"x": "' + "a".repeat(100) + '"}]}', [16], 50)).toThrow(/simulations\[0\] is larger than 50 bytes/);
  });
});

describe("NaN and Infinity", () => {
  it("become null outside strings only", () => {
    const out = replaceNonFinite(Buffer.from('{"a": NaN, "b": -Infinity, "c": "NaN \\" Infinity", "d": [Infinity]}'));
    expect(JSON.parse(out!.toString())).toEqual({ a: null, b: null, c: 'NaN " Infinity', d: [null] });
    expect(replaceNonFinite(Buffer.from('{"a": "NaN"}'))).toBeUndefined();
  });
});
