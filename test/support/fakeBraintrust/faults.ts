// What a test makes the fake do wrong: answer with an injected status (a 5xx, or a refusal), answer late, or drop
// the connection; each for the next requests to a path.
export type PathPattern = string | RegExp;

export interface FailOptions {
  status: number;
  /** How many matching requests fail; default 1, Infinity for all. */
  times?: number;
  body?: unknown;
}

type Fault = { pattern: PathPattern; remaining: number } & (
  | { kind: "fail"; status: number; body?: unknown }
  | { kind: "delay"; ms: number }
  | { kind: "drop" }
);

/** What the fake does to a request instead of answering it. */
export type Interception = { kind: "drop" } | { kind: "fail"; status: number; body: unknown };

export const matches = (pattern: PathPattern, path: string) =>
  typeof pattern === "string" ? pattern === path : pattern.test(path);

/** Experiments whose name starts so are refused at registration: a failure a caller can ask for by name alone. */
export const refusesRegistration = (experimentName: unknown) => String(experimentName ?? "").startsWith("fail-register");

export class Faults {
  private faults: Fault[] = [];

  fail(pattern: PathPattern, { status, times = 1, body }: FailOptions): void {
    this.faults.push({ kind: "fail", pattern, remaining: times, status, body });
  }

  delay(pattern: PathPattern, ms: number, times = Infinity): void {
    this.faults.push({ kind: "delay", pattern, remaining: times, ms });
  }

  drop(pattern: PathPattern, times = 1): void {
    this.faults.push({ kind: "drop", pattern, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** Spends the faults a request to `path` meets: a drop first; else a delay (waited here), then a failure. */
  async intercept(path: string): Promise<Interception | undefined> {
    if (this.take("drop", path)) return { kind: "drop" };
    const slow = this.take("delay", path);
    if (slow) await new Promise((r) => setTimeout(r, slow.ms));
    const failure = this.take("fail", path);
    if (failure) {
      return { kind: "fail", status: failure.status, body: failure.body ?? { error: `fake braintrust: injected ${failure.status}` } };
    }
    return undefined;
  }

  private take<K extends Fault["kind"]>(kind: K, path: string): Extract<Fault, { kind: K }> | undefined {
    const f = this.faults.find((x) => x.kind === kind && x.remaining > 0 && matches(x.pattern, path));
    if (f) f.remaining--;
    return f as Extract<Fault, { kind: K }> | undefined;
  }
}
