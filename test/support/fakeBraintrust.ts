// A loopback stand-in for the Braintrust app, API and AI proxy (one base URL for all three), good enough for the
// real `braintrust` SDK 3.35.0 over real sockets. Tests read what arrived (calls, merged rows, objects) and inject
// faults (5xx, slowness, dropped connections) to see how our code copes with a misbehaving Braintrust.
// Its parts, in fakeBraintrust/: the store (what it holds), the routes (by API area), the faults, the server.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { Faults, matches, type FailOptions, type PathPattern } from "./fakeBraintrust/faults.js";
import { defaultInvoke, type InvokeBody } from "./fakeBraintrust/routes/index.js";
import { createFakeServer, type RecordedCall } from "./fakeBraintrust/server.js";
import {
  FakeStore,
  type FakeDataset,
  type FakeExperiment,
  type FakeFunction,
  type FakeProject,
  type RowFilter,
  type SeededDatasetOptions,
  type StoredRow,
} from "./fakeBraintrust/store.js";

export { SEEDED_DATASET_ID } from "./fakeBraintrust/store.js";
export type { StoredRow } from "./fakeBraintrust/store.js";

export interface FakeBraintrustOptions {
  orgName?: string;
  /** Tokens that log in; any other gets a 401. */
  tokens?: string[];
  /** The dataset that exists from the start (`false` for none). */
  seededDataset?: SeededDatasetOptions | false;
  /** The org's AI proxy as login reports it (`proxy_url`); by default this fake's own URL. */
  proxyUrl?: string;
  /** The reply of POST /function/invoke; defaults to 1 when output deep-equals expected, else 0. */
  invoke?: (body: InvokeBody) => unknown;
}

export interface FakeBraintrust {
  /** Base URL of the app, the API and the proxy alike. */
  readonly url: string;
  readonly orgName: string;
  readonly orgId: string;
  readonly calls: readonly RecordedCall[];
  rows(filter?: RowFilter): StoredRow[];
  readonly experiments: ReadonlyMap<string, FakeExperiment>;
  readonly datasets: ReadonlyMap<string, FakeDataset>;
  readonly projects: ReadonlyMap<string, FakeProject>;
  readonly functions: ReadonlyMap<string, FakeFunction>;
  /** A project with a known id, for callers that send project_id (unknown ids get a 404 like Braintrust's). */
  addProject(name: string, id?: string): FakeProject;
  experimentByName(name: string): FakeExperiment | undefined;
  datasetByName(name: string): FakeDataset | undefined;
  projectByName(name: string): FakeProject | undefined;
  callsTo(path: PathPattern): RecordedCall[];
  fail(path: PathPattern, options: FailOptions): void;
  delay(path: PathPattern, ms: number, times?: number): void;
  drop(path: PathPattern, times?: number): void;
  /** Back to the state right after start: no calls, rows, objects (but the seeded dataset) or faults. */
  reset(): void;
  close(): Promise<void>;
}

/** A fake listening now; the caller closes it. */
export async function startFakeBraintrust(options: FakeBraintrustOptions = {}): Promise<FakeBraintrust> {
  const { fake, listen } = createFakeBraintrust(options);
  await listen();
  return fake;
}

/** The fake of a test file: listening before its first test, back to its first state before each, closed after the last. */
export function useFakeBraintrust(options: FakeBraintrustOptions = {}): FakeBraintrust {
  const { fake, listen } = createFakeBraintrust(options);
  beforeAll(listen);
  beforeEach(() => fake.reset());
  afterAll(() => fake.close());
  return fake;
}

function createFakeBraintrust(options: FakeBraintrustOptions): { fake: FakeBraintrust; listen: () => Promise<void> } {
  const store = new FakeStore(options);
  const faults = new Faults();
  const server = createFakeServer({ store, faults, proxyUrl: options.proxyUrl, invoke: options.invoke ?? defaultInvoke });
  const { calls } = server;
  const fake: FakeBraintrust = {
    get url() {
      return server.url;
    },
    orgName: store.orgName,
    orgId: store.orgId,
    calls,
    rows: (filter) => store.rows(filter),
    experiments: store.experiments,
    datasets: store.datasets,
    projects: store.projects,
    functions: store.functions,
    addProject: (name, id) => store.addProject(name, id),
    experimentByName: (name) => store.experimentByName(name),
    datasetByName: (name) => store.datasetByName(name),
    projectByName: (name) => store.projectByName(name),
    callsTo: (pattern) => calls.filter((c) => matches(pattern, c.path)),
    fail: (pattern, failure) => faults.fail(pattern, failure),
    delay: (pattern, ms, times) => faults.delay(pattern, ms, times),
    drop: (pattern, times) => faults.drop(pattern, times),
    reset: () => {
      calls.length = 0;
      faults.clear();
      store.reset();
    },
    close: () => server.close(),
  };
  return { fake, listen: () => server.listen() };
}
