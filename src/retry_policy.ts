/**
 * Which failed commands the store sends again, and how: every resend is
 * bounded, and every store command is idempotent, so a resend is safe. A
 * logout stays final through resends (the marker check is in the script).
 *
 * @module
 */
import type { GlideReturnType } from "@valkey/valkey-glide";
import type { CommandPipeline } from "./command_pipeline.ts";
import { isTimeoutError, toStoreError, type ValkeyStoreError } from "./errors.ts";
import { withScriptBody } from "./scripts.ts";
import { corrupt } from "./field_codec.ts";

/**
 * Sends a command through the pipeline; when it fails, applies the retries
 * below, each one bounded:
 *
 * - NOSCRIPT (an empty script cache after a restart or failover): once, as EVAL;
 * - cluster, TRYAGAIN (a two-key script in a slot mid-migration): resent
 *   on its own with a short backoff (400 ms in all);
 * - cluster, a timeout: sent up to 2 more times, after 25 and 100 ms (a
 *   primary stalls briefly while slots migrate).
 *
 * Any other error is final, MOVED included: resending after MOVED during a
 * failover was measured to stall GLIDE's client and time out calls to
 * healthy shards (about 1 failover in 12), and GLIDE serves the promoted
 * primary within seconds without it. Store commands are idempotent, so a resend is
 * safe, and a logout stays final (the marker check is in the script).
 */
export async function sendWithRetries(
  pipeline: CommandPipeline,
  cluster: boolean,
  args: string[],
  operation: string,
  sid: string | undefined,
): Promise<GlideReturnType> {
  let last: unknown;
  try {
    return await pipeline.send(args, operation, sid);
  } catch (error) {
    last = error;
  }
  let tryAgains = 0;
  let timeouts = 0;
  for (;;) {
    const evalForm = isNoScript(last) ? withScriptBody(args) : undefined;
    let resend: () => Promise<GlideReturnType> = () => pipeline.sendAlone(args);
    if (evalForm !== undefined) {
      args = evalForm; // at most once: an EVAL has no EVAL form
    } else if (cluster && isTryAgain(last) && tryAgains < TRYAGAIN_DELAYS_MS.length) {
      await new Promise((resolve) => setTimeout(resolve, TRYAGAIN_DELAYS_MS[tryAgains++]));
    } else if (cluster && isTimeoutError(last) && timeouts < TIMEOUT_DELAYS_MS.length) {
      await new Promise((resolve) => setTimeout(resolve, TIMEOUT_DELAYS_MS[timeouts++]));
      resend = () => pipeline.send(args, operation, sid);
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : "";
}

function isTryAgain(error: unknown): boolean {
  // Valkey says "TRYAGAIN"; GLIDE may render it as "TryAgain".
  return /\b(TRYAGAIN|TryAgain)\b/.test(message(error));
}

function isNoScript(error: unknown): boolean {
  // Valkey says "NOSCRIPT"; GLIDE reports it as "NoScriptError: No matching script".
  return /NOSCRIPT|NoScriptError/.test(message(error));
}

function classify(error: unknown, operation: string, sid: string | undefined): ValkeyStoreError {
  if (sid !== undefined && message(error).includes("WRONGTYPE")) {
    return corrupt(operation, sid, "the key holds a value of another type", error);
  }
  return toStoreError(error, operation, sid);
}
