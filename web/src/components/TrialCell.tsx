// One trial of one task: a link to its trace when it has one. The visible symbol and the cell's pattern carry the
// outcome as well as its colour; the accessible name says task, trial and outcome.
import { viewerLinks } from "../../../src/viewer/links.js";
import { OUTCOMES, trialLabel, type CellOutcome } from "../lib/outcome.js";

export interface TrialCellProps {
  experimentId: string;
  taskId: string;
  rootSpanId: string;
  /** The trial's number as the run recorded it (tau2 counts from 0), else its position from 0. */
  trial: number;
  outcome: CellOutcome;
  spanId: string | null;
  /** The run's name, where cells of several runs stand side by side. */
  run?: string;
  /** More to read on hover: reward, termination. */
  detail?: string;
}

export function TrialCell({ experimentId, run, taskId, rootSpanId, trial, outcome, spanId, detail }: TrialCellProps) {
  const label = trialLabel(taskId, trial, outcome) + (run ? ` (${run})` : "");
  const title = detail ? `${label} (${detail})` : label;
  const className = `cell cell-${outcome}`;
  if (outcome === "missing") return <span class={className} role="img" aria-label={label} title={title} />;
  if (!spanId) {
    return (
      <span class={className} role="img" aria-label={label} title={title}>
        {OUTCOMES[outcome].symbol}
      </span>
    );
  }
  return (
    <a class={className} href={viewerLinks.trace("experiment", experimentId, rootSpanId, spanId)} aria-label={label} title={title}>
      {OUTCOMES[outcome].symbol}
    </a>
  );
}

/** The key that explains the cells' symbols. */
export function OutcomeKey({ outcomes }: { outcomes: readonly CellOutcome[] }) {
  return (
    <ul class="outcome-key" aria-label="Trial outcomes">
      {outcomes.map((o) => (
        <li key={o}>
          <span class={`cell cell-${o}`} aria-hidden="true">
            {OUTCOMES[o].symbol}
          </span>
          {OUTCOMES[o].label}
        </li>
      ))}
    </ul>
  );
}
