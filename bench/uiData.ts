// Synthetic tau2 results for the viewer's benchmark: runs of any size, seeded (the same arguments always give the
// same bytes), whose tasks have a difficulty shared by every run and whose runs have a skill, so that runs differ
// the way real ones do. Conversations alternate agent and user turns with tool calls and results, to any length.
import { seededRandom } from "../src/metrics/bootstrap.js";
import { taskObject } from "../test/support/ingestFixtures.js";

export interface SyntheticRun {
  model: string;
  domain: string;
  tasks: number;
  trials: number;
  /** Messages per conversation (each becomes a span, under its trial's span). */
  messages: number;
  /** 0..1: higher passes more tasks. */
  skill: number;
  seed: number;
  /** When the run ended (ISO, as tau2 writes it: local time, no zone). */
  timestamp: string;
}

const WORDS = "the flight reservation passenger booking change cabin refund policy baggage date economy business segment payment certificate".split(" ");

function sentence(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
}

/** How hard each task is: the same for every run of the same task count. */
function difficulty(task: number): number {
  return seededRandom(1_000 + task)();
}

function messages(random: () => number, count: number, tag: string, start: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const at = (i: number) => new Date(start + i * 1500).toISOString().replace("Z", "");
  for (let i = 0; out.length < count; i++) {
    const turn = out.length;
    const phase = i % 4;
    if (phase === 0) {
      out.push({ role: "user", content: `${sentence(random, 18)}?`, tool_calls: null, turn_idx: turn, timestamp: at(turn), cost: 0.0004, usage: { prompt_tokens: 400, completion_tokens: 30 } });
    } else if (phase === 1 && out.length + 1 < count) {
      const id = `call_${tag}_${i}`;
      out.push({
        role: "assistant",
        content: null,
        tool_calls: [{ id, name: "get_reservation_details", arguments: { reservation_id: `R${tag}${i}`.slice(0, 12) }, requestor: "assistant" }],
        turn_idx: turn,
        timestamp: at(turn),
        cost: 0.002,
        usage: { prompt_tokens: 2000, completion_tokens: 40 },
      });
      out.push({
        id,
        role: "tool",
        content: JSON.stringify({ reservation_id: `R${i}`, origin: "SFO", destination: "JFK", cabin: "economy", passengers: [{ first_name: "Ana", last_name: "Lee" }], note: sentence(random, 20) }),
        requestor: "assistant",
        error: false,
        turn_idx: turn + 1,
        timestamp: at(turn + 1),
      });
    } else {
      out.push({ role: "assistant", content: sentence(random, 40), tool_calls: null, turn_idx: turn, timestamp: at(turn), cost: 0.002, usage: { prompt_tokens: 2100, completion_tokens: 80 } });
    }
  }
  return out.slice(0, count);
}

export function syntheticResults(run: SyntheticRun): Record<string, unknown> {
  const random = seededRandom(run.seed);
  const taskIds = Array.from({ length: run.tasks }, (_, t) => String(t));
  const end = Date.parse(`${run.timestamp}Z`);
  const start = end - run.tasks * run.trials * 60_000;
  const simulations = [];
  for (let trial = 0; trial < run.trials; trial++) {
    for (let t = 0; t < run.tasks; t++) {
      const p = 1 / (1 + Math.exp(-6 * (run.skill - difficulty(t))));
      const reward = random() < p ? 1 : 0;
      const began = start + (trial * run.tasks + t) * 60_000;
      simulations.push({
        id: `${run.model}-${t}-${trial}`,
        task_id: String(t),
        timestamp: new Date(began + 50_000).toISOString().replace("Z", ""),
        start_time: new Date(began).toISOString().replace("Z", ""),
        end_time: new Date(began + run.messages * 1500).toISOString().replace("Z", ""),
        duration: run.messages * 1.5,
        termination_reason: reward === 1 || random() < 0.7 ? "user_stop" : "max_steps",
        agent_cost: 0.01 + random() * 0.02,
        user_cost: 0.004,
        reward_info: { reward, db_check: { db_match: reward === 1, db_reward: reward }, reward_basis: ["DB"], reward_breakdown: { DB: reward } },
        messages: messages(random, run.messages, `${t}x${trial}`, began),
        trial,
        seed: 300 + trial,
      });
    }
  }
  return {
    timestamp: run.timestamp,
    info: {
      git_commit: "40f46d3540dc95aca145ddecb0464fdd9a1e8c15",
      num_trials: run.trials,
      max_steps: 200,
      max_errors: 10,
      user_info: { implementation: "user_simulator", llm: "gpt-4.1", llm_args: { temperature: 0 } },
      agent_info: { implementation: "llm_agent", llm: run.model, llm_args: {} },
      environment_info: { domain_name: run.domain, policy: "# Policy", tool_defs: null },
      seed: 300,
    },
    tasks: taskIds.map((id) => taskObject(id, run.domain)),
    simulations,
  };
}
