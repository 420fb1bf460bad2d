/**
 * Which failed commands the store sends again, and how: every resend is
 * bounded, and every store command is idempotent, so a resend is safe. A
 * logout stays final through resends (writes fail by type on a logout mark,
 * and the scripts check the key's type).
 *
 * @module
 */
import type { GlideReturnType } from "@valkey/valkey-glide";
import type { CommandPipeline } from "./command_pipeline.ts";
import { isTimeoutError, toStoreError, ValkeyStoreError } from "./errors.ts";
import { withScriptBody } from "./scripts.ts";
import { corrupt } from "./field_codec.ts";

/** What {@link sendWithRetries} reads of the store's options. */
export interface RetryOptions {
  /** Milliseconds a cluster command may keep being resent during a failover. */
  clusterDownWait: number;
}

/**
 * Sends a command through the pipeline; when it fails, applies the retries
 * below, each one bounded:
 *
 * - NOSCRIPT (an empty script cache after a restart or failover): once, as EVAL;
 * - cluster, TRYAGAIN (a slot mid-migration): resent
 *   on its own with a short backoff (400 ms in all);
 * - cluster, a timeout: sent up to 2 more times, after 25 and 100 ms (a
 *   primary stalls briefly while slots migrate);
 * - cluster, while a failover is under way: `CLUSTERDOWN`, `TRYAGAIN`, a
 *   `MOVED`/`ASK` that could not be followed, a timeout or a lost connection
 *   (`ConnectionError`, or GLIDE's `BrokenPipe` for a request in flight)
 *   are resent after 20, 50, 100, 200 and then every 250 ms, as long as the
 *   next resend starts within `clusterDownWaitMs` of the call. Then the call
 *   fails with a `CLUSTER_DOWN` error saying how long it waited.
 *
 * With the cluster up, any other error is final. During a failover on the
 * server's defaults (`cluster-require-full-coverage yes`) every node answers
 * `CLUSTERDOWN` for every key until the replica is promoted; GLIDE retries
 * that itself until the request times out, so a lone command sees a timeout
 * and a command in a batch sees `ClusterDown`. Store commands are
 * idempotent, so a resend is safe, and a logout stays final (a write fails
 * by type on a logout mark, and the scripts check the key's type).
 *
 * @param pipeline The store's command pipeline.
 * @param cluster True for a cluster client: only cluster commands are resent after errors.
 * @param args The command.
 * @param operation The store method, for error messages.
 * @param sid The session id, for error messages.
 * @param options `clusterDownWait`: how many milliseconds a cluster command may keep being
 * resent during a failover; 0: not at all.
 */
export async function sendWithRetries(
  pipeline: CommandPipeline,
  cluster: boolean,
  args: string[],
  operation: string,
  sid: string | undefined,
  options: RetryOptions,
): Promise<GlideReturnType> {
  const clusterDownWaitMs = options.clusterDownWait;
  const started = Date.now();
  let last: unknown;
  try {
    return await pipeline.send(args, operation, sid);
  } catch (error) {
    last = error;
  }
  let tryAgains = 0;
  let timeouts = 0;
  let waits = 0;
  let sawClusterDown = false;
  for (;;) {
    const evalForm = isNoScript(last) ? withScriptBody(args) : undefined;
    let resend: () => Promise<GlideReturnType> = () => pipeline.sendAlone(args);
    const delay = FAILOVER_DELAYS_MS[Math.min(waits, FAILOVER_DELAYS_MS.length - 1)]!;
    if (cluster && isClusterDown(last)) sawClusterDown = true;
    if (evalForm !== undefined) {
      args = evalForm; // at most once: an EVAL has no EVAL form
    } else if (cluster && isTryAgain(last) && tryAgains < TRYAGAIN_DELAYS_MS.length) {
      await sleep(TRYAGAIN_DELAYS_MS[tryAgains++]!);
    } else if (cluster && isTimeoutError(last) && timeouts < TIMEOUT_DELAYS_MS.length) {
      await sleep(TIMEOUT_DELAYS_MS[timeouts++]!);
      resend = () => pipeline.send(args, operation, sid);
    } else if (
      cluster && isFailoverError(last) && Date.now() + delay - started <= clusterDownWaitMs
    ) {
      waits++;
      await sleep(delay);
      resend = () => pipeline.send(args, operation, sid);
    } else if (cluster && clusterDownWaitMs > 0 && isFailoverError(last)) {
      throw gaveUp(last, operation, sid, Date.now() - started, clusterDownWaitMs, sawClusterDown);
    } else {
      throw classify(last, operation, sid);
    }
    try {
      return await resend();
    } catch (next) {
      last = next;
    }
  }
}

/**
 * Backoff before each resend of a command that timed out in cluster mode: a
 * primary migrating keys can stall past the request timeout twice in a row
 * (seen in CI). Worst case for a dead node: 3 timeouts + 125 ms, under 1 s.
 */
const TIMEOUT_DELAYS_MS = [25, 100];

/** Backoff between resends after TRYAGAIN (400 ms in all). */
const TRYAGAIN_DELAYS_MS = [10, 30, 60, 100, 200];

/**
 * Backoff between resends during a failover; the last one repeats until
 * `clusterDownWait` is spent. Short at first (a `TRYAGAIN` or a moved slot
 * settles in milliseconds), then 4 a second: the cluster is down for
 * about 1 to 2 `cluster-node-timeout`s, and a caller should not wait much
 * past the promotion.
 */
const FAILOVER_DELAYS_MS = [20, 50, 100, 200, 250];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : "";
}

function isTryAgain(error: unknown): boolean {
  // Valkey says "TRYAGAIN"; GLIDE may render it as "TryAgain".
  return /\b(TRYAGAIN|TryAgain)\b/.test(message(error));
}

function isClusterDown(error: unknown): boolean {
  // Valkey says "CLUSTERDOWN The cluster is down"; GLIDE 2.5 renders it as a
  // RequestError "An error was signalled by the server: - ClusterDown: The cluster is down".
  return /\b(CLUSTERDOWN|ClusterDown)\b/.test(message(error));
}

/**
 * Errors a cluster gives while a failover is under way: the cluster is down
 * for every key, a slot is between owners, or the dead primary does not
 * answer. `ClosingError` (the client was closed) is not one of them.
 */
function isFailoverError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ValkeyStoreError) return false;
  if (isTimeoutError(error) || error.constructor.name === "ConnectionError") return true;
  // GLIDE 2.5 reports a request lost with the dead primary's connection as
  // "BrokenPipe: Cluster: Failed to receive command response from internal sender".
  return isClusterDown(error) || isTryAgain(error) ||
    /\b(MOVED|Moved|ASK|Ask|BrokenPipe)\b/.test(error.message);
}

function isNoScript(error: unknown): boolean {
  // Valkey says "NOSCRIPT"; GLIDE reports it as "NoScriptError: No matching script".
  return /NOSCRIPT|NoScriptError/.test(message(error));
}

function gaveUp(
  error: unknown,
  operation: string,
  sid: string | undefined,
  waitedMs: number,
  budgetMs: number,
  sawClusterDown: boolean,
): ValkeyStoreError {
  const last = `${(error as Error).constructor.name}: ${message(error)}`;
  const detail = sawClusterDown
    ? `the cluster was down for ${waitedMs} ms (CLUSTERDOWN; last error ${last}); gave up after clusterDownWait (${budgetMs} ms)`
    : `the cluster did not serve this key for ${waitedMs} ms (${last}); gave up after clusterDownWait (${budgetMs} ms)`;
  // GLIDE hides CLUSTERDOWN behind a timeout for a command sent on its own
  // (it retries it internally), so what the call saw depends on whether it
  // shared a batch: either way the cluster did not serve the key in time.
  return new ValkeyStoreError(operation, "CLUSTER_DOWN", detail, { sessionId: sid, cause: error });
}

function classify(error: unknown, operation: string, sid: string | undefined): ValkeyStoreError {
  if (sid !== undefined && message(error).includes("WRONGTYPE")) {
    return corrupt(operation, sid, "the key holds a value of another type", error);
  }
  return toStoreError(error, operation, sid);
}
