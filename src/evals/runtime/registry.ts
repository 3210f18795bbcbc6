// Evaluator registry: name -> evaluator. /list serializes it, /eval runs from it.
import type { EvaluatorDef, RegisteredEvaluator } from "./types.js";

/** The key `braintrust eval --dev` uses: the project name, plus ` [experimentName=…]` when the evaluator sets one. */
export function evalName(projectName: string, experimentName?: string): string {
  return experimentName ? `${projectName} [experimentName=${experimentName}]` : projectName;
}

export class EvaluatorRegistry {
  private readonly byName = new Map<string, RegisteredEvaluator>();

  /**
   * Adds an evaluator and returns its key. A clashing name gets `_2`, `_3`… (`braintrust eval --dev` appends a
   * constant `_5` whatever the count, so a third one with the same name overwrote the second;
   * docs/devserver-protocol.md §2).
   */
  register(projectName: string, evaluator: EvaluatorDef, source = "builtin"): string {
    const base = evalName(projectName, evaluator.experimentName);
    let name = base;
    for (let n = 2; this.byName.has(name); n++) name = `${base}_${n}`;
    this.byName.set(name, { name, projectName, evaluator, source });
    return name;
  }

  get(name: string): RegisteredEvaluator | undefined {
    return this.byName.get(name);
  }

  list(): RegisteredEvaluator[] {
    return [...this.byName.values()];
  }

  get size(): number {
    return this.byName.size;
  }
}
