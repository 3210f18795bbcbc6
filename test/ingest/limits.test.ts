// The budgets ingests share, at the job level where a test can hold one ingest midway: an ingest in the middle of a
// large item holds its bytes, another that needs more than is left is refused with 503 and Retry-After (never
// made to wait while the first waits too), and both budgets are whole again once the jobs are done.
import { afterEach, describe, expect, it } from "vitest";
import { testConfig } from "../../src/config.js";
import { ingestLimits } from "../../src/ingest/read/ingestLimits.js";
import { IngestJob } from "../../src/ingest/ingestJob.js";
import { tau2Results, trials } from "../support/ingestFixtures.js";
import { LocalHarness } from "./localStore.js";

const KiB = 1024;
const harnesses: LocalHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

function harness(limits: Record<string, string>): LocalHarness {
  const h = new LocalHarness();
  h.settings.limits = ingestLimits(testConfig(limits));
  harnesses.push(h);
  return h;
}

/** A good results file whose first simulation carries `padding` bytes of text. */
function fileWithLargeSimulation(padding: number): Buffer {
  const results = tau2Results({ tasks: ["a"], sims: trials({ a: [1, 0] }) }) as { simulations: Record<string, unknown>[] };
  results.simulations[0].note = "x".repeat(padding);
  return Buffer.from(JSON.stringify(results));
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** The bytes in two pieces; the second is sent once `release` is called. The scanner has taken the first piece
 * when `held` resolves: it asks for the next one only after it has scanned the one before. */
function held(bytes: Buffer, cut: number) {
  let release!: () => void;
  let heldResolve!: () => void;
  const held = new Promise<void>((r) => (heldResolve = r));
  const go = new Promise<void>((r) => (release = r));
  async function* stream() {
    yield bytes.subarray(0, cut);
    heldResolve();
    await go;
    yield bytes.subarray(cut);
  }
  return { stream: stream(), held, release };
}

describe("the budgets ingests share", () => {
  it("refuses a second ingest the memory budget cannot hold while a first holds most of it, then takes it", async () => {
    const h = harness({ INGEST_MAX_ITEM_BYTES: String(64 * KiB), INGEST_MEMORY_BUDGET: String(64 * KiB) });
    const { memory, spool } = h.settings.limits;
    const big = fileWithLargeSimulation(60 * KiB);
    const first = new IngestJob(h.settings);
    const upload = held(big, 50 * KiB);
    const firstDone = first.addStream("big.json", upload.stream);
    await upload.held;
    expect(memory.inUse).toBeGreaterThan(40 * KiB);

    const second = new IngestJob(h.settings);
    await expect(second.addStream("other.json", once(fileWithLargeSimulation(20 * KiB)))).rejects.toMatchObject({
      code: "BUSY",
      statusCode: 503,
      retryAfter: 10,
      message: expect.stringMatching(/INGEST_MEMORY_BUDGET/),
    });
    await second.dispose();

    upload.release();
    await firstDone;
    const report = await first.commit({ experiments: ["held"] });
    expect(report.experiments[0]).toMatchObject({ name: "held", simulations: 2 });
    await first.dispose();
    expect(memory.inUse).toBe(0);
    expect(spool.inUse).toBe(0);

    const retried = new IngestJob(h.settings);
    await retried.addStream("other.json", once(fileWithLargeSimulation(20 * KiB)));
    expect((await retried.commit({ experiments: ["retried"] })).experiments[0].name).toBe("retried");
    await retried.dispose();
    expect(memory.inUse).toBe(0);
  });

  it("refuses one item over the limit with a 413 naming it, and gives back what it held", async () => {
    const h = harness({ INGEST_MAX_ITEM_BYTES: String(16 * KiB), INGEST_MEMORY_BUDGET: String(64 * KiB) });
    const job = new IngestJob(h.settings);
    await expect(job.addStream("big.json", once(fileWithLargeSimulation(20 * KiB)))).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringMatching(/^big\.json: simulations\[0\] \(at byte \d+\) is larger than 16384 bytes, the limit of one item/),
    });
    await job.dispose();
    expect(h.settings.limits.memory.inUse).toBe(0);
    expect(h.settings.limits.spool.inUse).toBe(0);
    expect(h.count("experiments")).toBe(0);
  });

  it("counts the spool of every ingest in flight: 503 while another holds it, 413 for one ingest over it", async () => {
    const h = harness({ INGEST_SPOOL_LIMIT: String(100 * KiB) });
    const { spool } = h.settings.limits;
    const padded = (bytes: number) => Buffer.from(JSON.stringify(tau2Results({ tasks: ["a"], sims: trials({ a: [1] }) })) + " ".repeat(bytes));
    const first = new IngestJob(h.settings);
    const upload = held(padded(70 * KiB), 60 * KiB);
    const firstDone = first.addStream("first.json", upload.stream);
    await upload.held;
    expect(spool.inUse).toBe(60 * KiB);

    const second = new IngestJob(h.settings);
    await expect(second.addStream("second.json", once(padded(50 * KiB)))).rejects.toMatchObject({
      code: "BUSY",
      retryAfter: 10,
      message: expect.stringMatching(/fill \d+ of the spool's 102400 bytes \(INGEST_SPOOL_LIMIT\)/),
    });
    await second.dispose();
    upload.release();
    await firstDone;
    await first.dispose();
    expect(spool.inUse).toBe(0);

    const alone = new IngestJob(h.settings);
    await alone.addStream("one.json", once(padded(60 * KiB)));
    await expect(alone.addStream("two.json", once(padded(60 * KiB)))).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: "two.json: the files of this ingest take more than 102400 bytes in the spool, decompressed (INGEST_SPOOL_LIMIT)",
    });
    await alone.dispose();
    expect(spool.inUse).toBe(0);
  });

  it("refuses files whose top-level values other than tasks and simulations hold more than one item together", async () => {
    const h = harness({ INGEST_MAX_ITEM_BYTES: String(16 * KiB) });
    const withInfo = (notes: number) => {
      const results = tau2Results({ tasks: ["a"], sims: trials({ a: [1] }) }) as { info: Record<string, unknown> };
      results.info.notes = "n".repeat(notes);
      return Buffer.from(JSON.stringify(results));
    };
    const job = new IngestJob(h.settings);
    await job.addStream("a.json", once(withInfo(10 * KiB)));
    await expect(job.addStream("b.json", once(withInfo(10 * KiB)))).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringMatching(/^b\.json: the top-level values other than "tasks" and "simulations" of this ingest's files are larger than 16384 bytes together/),
    });
    await job.dispose();
    const bloated = tau2Results({ tasks: [], sims: [] });
    for (let i = 0; i < 4; i++) bloated[`extra${i}`] = "e".repeat(5 * KiB);
    const one = new IngestJob(h.settings);
    await expect(one.addStream("bloated.json", once(Buffer.from(JSON.stringify(bloated))))).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    await one.dispose();
    expect(h.settings.limits.memory.inUse).toBe(0);
  });

  it("refuses a directory run's simulation file over the item limit, whitespace included (it is read whole)", async () => {
    const h = harness({ INGEST_MAX_ITEM_BYTES: String(16 * KiB) });
    const results = tau2Results({ tasks: ["a"], sims: trials({ a: [1] }) }) as { simulations: unknown[] };
    const padded = Buffer.from(JSON.stringify(results.simulations[0]).replace(/,/, `,${" ".repeat(20 * KiB)}`));
    const job = new IngestJob(h.settings);
    await expect(job.addStream("sim.json", once(padded))).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringMatching(/^sim\.json: the simulation \(at byte 0\) is larger than 16384 bytes/),
    });
    await job.dispose();
  });
});

describe("the limit settings", () => {
  it("refuse a memory budget that could not hold one item of the largest size", () => {
    expect(() => testConfig({ INGEST_MAX_ITEM_BYTES: "4096", INGEST_MEMORY_BUDGET: "2048" })).toThrow(
      /INGEST_MEMORY_BUDGET: must be at least INGEST_MAX_ITEM_BYTES/,
    );
  });
});
