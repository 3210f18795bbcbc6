// The disk all runs' workspaces may take together (SANDBOX_TOTAL_WORKSPACE_BYTES).
import { AppError } from "../../errors.js";
import type { SandboxLimits } from "../limits.js";

/** Every run reserves its whole workspace size; one that would pass the total is refused until others end. */
export function diskBudget(limits: SandboxLimits): { take(): () => void } {
  let reserved = 0;
  return {
    take() {
      if (reserved + limits.workspaceBytes > limits.totalWorkspaceBytes) {
        throw new AppError(
          "BUSY",
          `the agent's sandboxes are using all of their disk (${reserved} of SANDBOX_TOTAL_WORKSPACE_BYTES=${limits.totalWorkspaceBytes} bytes reserved); try again when a run has ended`,
          { retryAfter: 5 },
        );
      }
      reserved += limits.workspaceBytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        reserved -= limits.workspaceBytes;
      };
    },
  };
}
