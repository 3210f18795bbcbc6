// Bad input on POST /admin/ingest (raw JSON, gzip, multipart) and /admin/push-dataset, /admin/push-prompt: files of
// the wrong shape, nested too deep, not UTF-8, not gzip, over the limit, malformed multipart, and `../` in every
// name a client controls. Each is a 4xx with a message, nothing is stored, nothing is written outside the spool,
// the spool is empty afterwards, and a good file still ingests.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tau2Results, trials } from "../../support/ingestFixtures.js";
import { expectRefused, expectUnharmed, send, startHardened, type Answer, type HardenedService } from "./helpers.js";

const LIMIT = 1024 * 1024;
let svc: HardenedService;
beforeAll(async () => {
  svc = await startHardened({ INGEST_BODY_LIMIT: String(LIMIT) });
});
afterAll(() => svc?.close());

const results = (model = "gpt-5") => tau2Results({ model, tasks: ["a", "b"], sims: trials({ a: [1, 0], b: [1, 1] }) }) as Record<string, any>;
const goodFile = () => JSON.stringify(results());
const ingest = (body: string | Buffer, type = "application/json", query = "") =>
  send(svc, `/admin/ingest${query}`, { headers: { "content-type": type }, body });

async function experimentCount(): Promise<number> {
  return JSON.parse((await send(svc, "/experiments")).text).experiments.length;
}

/** Every file under the service's temporary root: DATA_DIR, the seeded database, nothing else. */
function filesOnDisk(): string[] {
  const root = path.dirname(svc.dataDir);
  const all: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else all.push(path.relative(root, full));
    }
  };
  walk(root);
  return all.sort();
}

/** Refused, nothing stored, the spool empty, and a good file still ingests. */
async function refusedAndUnharmed(requests: [Promise<Answer>, number, RegExp][]): Promise<void> {
  const before = await experimentCount();
  for (const [request, status, message] of requests) expectRefused(await request, status, message);
  expect(await experimentCount()).toBe(before);
  expect(readdirSync(path.join(svc.dataDir, "ingest-spool"))).toEqual([]);
  await expectUnharmed(svc, async () => {
    const res = await ingest(goodFile());
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(await experimentCount()).toBeGreaterThanOrEqual(before);
  });
}

interface Part {
  name: string;
  filename?: string;
  content: string | Buffer;
}

/** A multipart/form-data body written byte by byte, so file names reach the server exactly as given. */
function multipart(parts: Part[], boundary = "hardening-boundary"): { body: Buffer; type: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? "" : `; filename="${part.filename}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`, "latin1"));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}
const upload = (parts: Part[], query = "") => {
  const { body, type } = multipart(parts);
  return ingest(body, type, query);
};

describe("POST /admin/ingest: raw JSON", () => {
  it("refuses JSON that is not a results file, naming the file and what is wrong", async () => {
    const broken = results();
    broken.simulations[1].reward_info.reward = "high";
    await refusedAndUnharmed([
      [ingest("5"), 400, /^request body: .*JSON object or array/],
      [ingest('"results"'), 400, /^request body: .*JSON object or array/],
      [ingest("null"), 400, /^request body: /],
      [ingest("{}"), 400, /^request body: not a tau-bench \/ tau2-bench results file/],
      [ingest("[1, 2, 3]"), 400, /^request body: \[0\] is neither a tau2 simulation nor a tau-bench v1 run/],
      [ingest('{"info": 5, "tasks": "x", "simulations": {}}'), 400, /^request body: /],
      [ingest(JSON.stringify(broken)), 400, /^request body: simulations\[1\]\.reward_info\.reward: .*expected number/],
      [ingest(goodFile().slice(0, -40)), 400, /^request body: invalid JSON: .*truncated/],
    ]);
  });

  it("refuses a file nested too deep (where nothing validates the shape) or holding bytes that are not UTF-8", async () => {
    const deep = (levels: number) => goodFile().replace('"Act like a user."', "[".repeat(levels) + "]".repeat(levels));
    const notUtf8 = Buffer.from(goodFile().replace("Fix a", "Fix \u0000"), "latin1");
    notUtf8[notUtf8.indexOf(0)] = 0xff;
    await refusedAndUnharmed([
      [ingest(deep(600)), 400, /^request body: invalid JSON: nesting deeper than 512 levels at byte \d+/],
      [ingest(deep(100_000)), 400, /nesting deeper than 512 levels/],
      [ingest(gzipSync(deep(100_000)), "application/gzip"), 400, /nesting deeper than 512 levels/],
      [ingest(notUtf8), 400, /^request body: tasks\[0\] is not valid UTF-8 \(in the item at byte \d+\)$/],
    ]);
  });

  it("uses ?filename= only as a label, whatever it holds", async () => {
    const before = filesOnDisk();
    const res = await ingest(goodFile(), "application/json", `?filename=${encodeURIComponent("../../../../../tmp/escaped.json")}&experiment=..%2F..%2Fx`);
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text).experiments[0]).toMatchObject({ name: "../../x", file: "../../../../../tmp/escaped.json" });
    expect(existsSync("/tmp/escaped.json")).toBe(false);
    expect(filesOnDisk()).toEqual(before);
    await refusedAndUnharmed([[ingest(goodFile(), "application/json", "?experiment=&dataset="), 400, /^Invalid ingest parameters$/]]);
  });
});

describe("POST /admin/ingest: gzip", () => {
  it("refuses data that is not gzip, a cut-off gzip, and a gzip that expands past 8 times the limit", async () => {
    const gz = gzipSync(goodFile());
    await refusedAndUnharmed([
      [ingest(Buffer.concat([gz.subarray(0, 10), Buffer.from("not deflate data at all")]), "application/gzip"), 400, /^request body: invalid gzip data: /],
      [ingest(gz.subarray(0, gz.length - 12), "application/gzip"), 400, /^request body: invalid gzip data: unexpected end of file/],
      [ingest(gzipSync(`[${" ".repeat(8 * LIMIT + 1)}]`), "application/gzip"), 413, /^request body: larger than 8388608 bytes$/],
    ]);
  });
});

describe("POST /admin/ingest: multipart", () => {
  it("keeps `../` in file names from reaching the disk: a file name is a label, the spool names its own files", async () => {
    const before = filesOnDisk();
    const spool = path.join(svc.dataDir, "ingest-spool");
    const names = ["../../../../../../tmp/pwned.json", "..\\..\\..\\evil.json", "/etc/passwd", "..%2F..%2Fencoded.json", "..", "a/../../b.json"];
    const res = await upload(names.map((filename, i) => ({ name: "file", filename, content: JSON.stringify(results(`model-${i}`)) })));
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const files = (JSON.parse(res.text).experiments as { file: string }[]).map((e) => e.file);
    expect(files).toHaveLength(names.length);
    for (const file of files) expect(file).not.toMatch(/[/\\]/);
    expect(existsSync("/tmp/pwned.json")).toBe(false);
    expect(filesOnDisk()).toEqual(before);
    expect(readdirSync(spool)).toEqual([]);
  });

  it("takes names with `../` in form fields as names only", async () => {
    const before = filesOnDisk();
    const res = await upload([
      { name: "experiment", content: "../../../tmp/field.json" },
      { name: "dataset", content: "../../datasets/x" },
      { name: "project", content: "../../projects/y" },
      { name: "file", filename: "run.json", content: goodFile() },
    ]);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ dataset: { name: "../../datasets/x" }, experiments: [{ name: "../../../tmp/field.json" }] });
    expect(filesOnDisk()).toEqual(before);
  });

  it("refuses a malformed, cut-off, empty or oversized multipart body with a 4xx", async () => {
    const cutOff = multipart([{ name: "file", filename: "a.json", content: goodFile() }]).body.subarray(0, 200);
    const oversized = " ".repeat(LIMIT + 1);
    await refusedAndUnharmed([
      [ingest("garbage", "multipart/form-data"), 400, /^Malformed multipart body: .*[Bb]oundary/],
      [ingest("garbage", "multipart/form-data; boundary=hardening-boundary"), 400, /^Malformed multipart body: /],
      [ingest(cutOff, "multipart/form-data; boundary=hardening-boundary"), 400, /^Malformed multipart body: Unexpected end/],
      [upload([{ name: "experiment", content: "only a field" }]), 400, /^The multipart body has no file part$/],
      [upload([{ name: "file", filename: "bad.json", content: '{"info": ' }]), 400, /^bad\.json: invalid JSON/],
      [upload([{ name: "file", filename: "big.json", content: `[${oversized}]` }]), 413, /over the limit of 1048576 bytes/],
      [upload(Array.from({ length: 101 }, (_, i) => ({ name: "file", filename: `${i}.json`, content: "[]" }))), 413, /files limit/],
    ]);
  });

  it("refuses a body over the limit sent without a length, once the limit is crossed", async () => {
    const chunked = await send(svc, "/admin/ingest", {
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      body: `[${" ".repeat(LIMIT + 1)}]`,
    });
    await refusedAndUnharmed([[Promise.resolve(chunked), 413, /^The body is over the limit of 1048576 bytes$/]]);
  });
});

describe("POST /admin/push-dataset, /admin/push-prompt", () => {
  it("read no body: JSON of any type is ignored, more than 1 KiB is refused before it is read", async () => {
    for (const route of ["/admin/push-dataset", "/admin/push-prompt"]) {
      for (const body of ["{}", "[]", "42", "null", '{"project": "../../etc"}']) {
        const res = await send(svc, route, { headers: { "content-type": "application/json" }, body });
        expect(res.status, res.text.slice(0, 200)).toBe(200);
        expect(JSON.parse(res.text).project).toBe("sema4-demo");
      }
      expectRefused(await send(svc, route, { headers: { "content-type": "application/json" }, body: `"${"x".repeat(1024)}"` }), 413, /too large/);
    }
    await expectUnharmed(svc, async () => {
      expect((await send(svc, "/admin/push-dataset", { method: "POST" })).status).toBe(200);
    });
  });
});
