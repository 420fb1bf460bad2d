/**
 * Which failed commands are sent again, and when. One schedule: a resend
 * after 20, 50, 100, 200 and then every 250 ms, while the next resend starts
 * within the call's budget. Every store command is safe to resend: each
 * write is one command that carries its own expiry, and a compare-and-set
 * that already landed answers as a conflict with what it wrote.
 *
 * - NOSCRIPT (a script cache emptied by a restart or failover): resent at
 *   once as EVAL, any client kind.
 * - Cluster only: `TRYAGAIN` and a timeout (a primary stalls while slots
 *   migrate) within at least {@link TRANSIENT_BUDGET_MS}; `CLUSTERDOWN`, a
 *   `MOVED`/`ASK` GLIDE could not follow, a lost connection, and the same
 *   transient errors, within `clusterDownWait` (a failover takes 1–2
 *   `cluster-node-timeout`s on the server's defaults, when every node
 *   answers `CLUSTERDOWN`). Then the call fails with `CLUSTER_DOWN`.
 * - Standalone: anything else fails at once, so an outage is reported fast.
 *
 * @module
 */
import type { GlideReturnType } from "@valkey/valkey-glide";
import { StoreFailure } from "./failure.ts";
import { type GlideErrorKind, glideErrorKind } from "./glide_errors.ts";

/** Backoff between resends; the last one repeats. */
const DELAYS_MS = [20, 50, 100, 200, 250];

/** TRYAGAIN and timeouts are resent for at least this long, even with `clusterDownWait: 0`. */
export const TRANSIENT_BUDGET_MS = 400;

/** How long a resend may keep happening after an error of `kind`; 0: not at all. */
function budgetFor(kind: GlideErrorKind, cluster: boolean, clusterDownWait: number): number {
  if (!cluster) return 0;
  switch (kind) {
    case "try-again":
    case "timeout":
      return Math.max(TRANSIENT_BUDGET_MS, clusterDownWait);
    case "cluster-down":
    case "moved":
    case "unreachable":
      return clusterDownWait;
    default:
      return 0;
  }
}

/**
 * Sends a command with `send` and resends it as above.
 *
 * @param send Sends one command (through the pipeline).
 * @param args The command.
 * @param cluster True for a cluster client.
 * @param clusterDownWait Milliseconds a cluster command may keep being resent.
 * @param evalForm The EVAL form of an EVALSHA command, for NOSCRIPT.
 */
export function sendWithRetries(
  send: (args: string[]) => Promise<GlideReturnType>,
  args: string[],
  cluster: boolean,
  clusterDownWait: number,
  evalForm: (args: string[]) => string[] | undefined,
  first?: Promise<GlideReturnType>,
): Promise<GlideReturnType> {
  // The common case, a reply, costs one promise; the loop below runs only after an error.
  return (first ?? send(args)).catch((error) =>
    resend(error, send, args, cluster, clusterDownWait, evalForm)
  );
}

async function resend(
  error: unknown,
  send: (args: string[]) => Promise<GlideReturnType>,
  args: string[],
  cluster: boolean,
  clusterDownWait: number,
  evalForm: (args: string[]) => string[] | undefined,
): Promise<GlideReturnType> {
  const started = Date.now();
  let resends = 0;
  let sawClusterDown = false;
  for (;;) {
    const kind = glideErrorKind(error);
    const scripted = kind === "no-script" ? evalForm(args) : undefined;
    if (scripted !== undefined) {
      args = scripted; // at most once: an EVAL has no EVAL form
    } else {
      if (kind === "cluster-down") sawClusterDown = true;
      const budget = budgetFor(kind, cluster, clusterDownWait);
      const left = budget - (Date.now() - started);
      if (left <= 0) {
        if (budget === 0 || budget === TRANSIENT_BUDGET_MS && clusterDownWait === 0) throw error;
        throw gaveUp(error, Date.now() - started, clusterDownWait, sawClusterDown);
      }
      // The last wait is cut to what is left, so the call gives up once the budget is spent.
      const delay = Math.min(DELAYS_MS[Math.min(resends, DELAYS_MS.length - 1)]!, left);
      resends++;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    try {
      return await send(args);
    } catch (next) {
      error = next;
    }
  }
}

function gaveUp(
  error: unknown,
  waitedMs: number,
  budgetMs: number,
  sawClusterDown: boolean,
): StoreFailure {
  const last = `${(error as Error).constructor.name}: ${(error as Error).message}`;
  // GLIDE hides CLUSTERDOWN behind a timeout for a command sent on its own
  // (it retries internally), so either way the cluster did not serve the key.
  const detail = sawClusterDown
    ? `the cluster was down for ${waitedMs} ms (CLUSTERDOWN; last error ${last}); gave up after clusterDownWait (${budgetMs} ms)`
    : `the cluster did not serve this key for ${waitedMs} ms (${last}); gave up after clusterDownWait (${budgetMs} ms)`;
  return new StoreFailure("CLUSTER_DOWN", detail, error);
}
