// An experiment's headline numbers: what ran, on what, and tau2's avg reward and pass^k with their intervals.
import type { ExperimentSummary } from "../../../src/viewer/schemas.js";
import { count, dateTime, seconds, usd } from "../lib/format.js";
import { Estimate } from "./Estimate.js";

export function Headline({ experiment }: { experiment: ExperimentSummary }) {
  const e = experiment;
  const last = e.passHatK[e.passHatK.length - 1];
  return (
    <dl class="headline">
      <div>
        <dt>Avg reward</dt>
        <dd>{e.avgReward ? <Estimate value={e.avgReward.value} ci={e.avgReward.ci} /> : "–"}</dd>
      </div>
      <div>
        <dt>pass^1</dt>
        <dd>{e.passHatK[0] ? <Estimate value={e.passHatK[0].value} ci={e.passHatK[0].ci} /> : "–"}</dd>
      </div>
      {last && last.k > 1 && (
        <div>
          <dt>pass^{last.k}</dt>
          <dd>
            <Estimate value={last.value} ci={last.ci} />
          </dd>
        </div>
      )}
      <div>
        <dt>Tasks · trials</dt>
        <dd>
          {count(e.tasks)} · {count(e.trials)}
        </dd>
      </div>
      <div>
        <dt>Cost</dt>
        <dd>{usd(e.cost)}</dd>
      </div>
      <div>
        <dt>Mean trial time</dt>
        <dd>{seconds(e.durationSeconds)}</dd>
      </div>
      <div>
        <dt>Agent model</dt>
        <dd>{e.agentModel ?? "–"}</dd>
      </div>
      {e.userModel && (
        <div>
          <dt>User simulator</dt>
          <dd>{e.userModel}</dd>
        </div>
      )}
      <div>
        <dt>Dataset · domain</dt>
        <dd>
          {e.dataset?.name ?? "–"}
          {e.domain && ` · ${e.domain}`}
        </dd>
      </div>
      <div>
        <dt>Date</dt>
        <dd>
          <time dateTime={e.created}>{dateTime(e.created)}</time>
        </dd>
      </div>
    </dl>
  );
}
