// Scorers added in the Playground run as Braintrust functions, invoked through the AI proxy with the caller's
// login. Unlike `braintrust eval --dev`, the org is sent too (x-bt-org-name), so a user of several orgs gets the right
// org's AI secrets (docs/devserver-protocol.md §10.6).
import { currentSpan, type BraintrustState } from "braintrust";
import type { Scorer, ScorerArgs, ScoreValue } from "./types.js";

export interface PlaygroundScorer {
  name: string;
  function_id: Record<string, unknown>;
}

export function makeRemoteScorer(
  state: BraintrustState,
  scorer: PlaygroundScorer,
  caller: { orgName: string; projectId?: string },
): Scorer {
  const run = async (args: ScorerArgs): Promise<ScoreValue | ScoreValue[]> => {
    const request = {
      ...scorer.function_id,
      input: args,
      parent: await currentSpan().export(),
      stream: false,
      mode: "auto",
      strict: true,
    };
    const headers: Record<string, string> = { Accept: "application/json", "x-bt-org-name": caller.orgName };
    if (caller.projectId) headers["x-bt-project-id"] = caller.projectId;
    const response = await state.proxyConn().post("function/invoke", request, { headers });
    return (await response.json()) as ScoreValue | ScoreValue[];
  };
  Object.defineProperty(run, "name", { value: `Remote eval scorer (${scorer.name})` });
  return run as Scorer;
}
