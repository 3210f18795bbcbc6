// Evaluator registry: name -> evaluator. /list serializes what each declares, /eval runs from it. An evaluator
// whose implementation is costly to build (the sema4-demo agent: its sandbox, its database) is registered with its
// declaration only and built on its first eval.
import { scorerName } from "./scoring.js";
import type { EvaluatorDef, RegisteredEvaluator } from "./types.js";

/** The key `braintrust eval --dev` uses: the project name, plus ` [experimentName=…]` when the evaluator sets one. */
function evalName(projectName: string, experimentName?: string): string {
  return experimentName ? `${projectName} [experimentName=${experimentName}]` : projectName;
}

/** What /list shows of an evaluator: its parameters and the names of its scores and classifiers. */
export interface EvaluatorListing {
  parameters?: unknown;
  scores: string[];
  classifiers: string[];
}

interface Entry {
  name: string;
  projectName: string;
  source: string;
  listing: EvaluatorListing;
  load: () => Promise<EvaluatorDef>;
}

function listingOf(evaluator: EvaluatorDef): EvaluatorListing {
  return {
    parameters: evaluator.parameters,
    scores: (evaluator.scores ?? []).map(scorerName),
    classifiers: (evaluator.classifiers ?? []).map((c, i) => c.name || `classifier_${i}`),
  };
}

export class EvaluatorRegistry {
  private readonly byName = new Map<string, Entry>();

  /**
   * Adds an evaluator and returns its key. A clashing name gets `_2`, `_3`… (`braintrust eval --dev` appends a
   * constant `_5` whatever the count, so a third one with the same name overwrote the second;
   * docs/devserver-protocol.md §2).
   */
  register(projectName: string, evaluator: EvaluatorDef, source = "builtin"): string {
    const loaded = Promise.resolve(evaluator);
    return this.add(projectName, evaluator.experimentName, listingOf(evaluator), () => loaded, source);
  }

  /**
   * Adds an evaluator known by its listing until its first eval builds it (once). The built evaluator must have
   * the listing's scores: the Playground shows them before the run.
   */
  registerLazy(projectName: string, listing: EvaluatorListing, build: () => Promise<EvaluatorDef>, source = "builtin"): string {
    let built: Promise<EvaluatorDef> | undefined;
    const load = () =>
      (built ??= build().then((evaluator) => {
        if (listingOf(evaluator).scores.join() !== listing.scores.join()) {
          throw new Error(`evaluator '${projectName}' was registered with other scores than it has`);
        }
        return evaluator;
      }));
    return this.add(projectName, undefined, listing, load, source);
  }

  private add(projectName: string, experimentName: string | undefined, listing: EvaluatorListing, load: Entry["load"], source: string): string {
    const base = evalName(projectName, experimentName);
    let name = base;
    for (let n = 2; this.byName.has(name); n++) name = `${base}_${n}`;
    this.byName.set(name, { name, projectName, source, listing, load });
    return name;
  }

  /** The evaluator, built if it was registered lazily. */
  async get(name: string): Promise<RegisteredEvaluator | undefined> {
    const entry = this.byName.get(name);
    if (!entry) return undefined;
    return { name: entry.name, projectName: entry.projectName, source: entry.source, evaluator: await entry.load() };
  }

  /** Every evaluator's name and listing, in the order they were registered. */
  list(): { name: string; listing: EvaluatorListing }[] {
    return [...this.byName.values()].map(({ name, listing }) => ({ name, listing }));
  }

  get size(): number {
    return this.byName.size;
  }
}
