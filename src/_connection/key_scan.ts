/**
 * Finding a store's keys with SCAN, page by page, in standalone and in
 * cluster mode.
 *
 * In cluster mode each primary is scanned with SCAN routed to its address,
 * not with GLIDE's cluster scan: a GLIDE cluster scan sharing a client with
 * request traffic was seen to lock that client up during slot migration.
 * Plain routed requests cannot wedge the request path, and every step also
 * has a timeout of our own. Slots that move during a pass can hide keys
 * from it, so the topology is read before and after each pass and the pass
 * is repeated (returning only keys not seen yet) until one runs while no
 * slot moved.
 *
 * @module
 */
import type { GlideClient, GlideClusterClient } from "@valkey/valkey-glide";
import { readClusterTopology } from "./cluster_topology.ts";
import { StoreFailure } from "./failure.ts";
import { glideErrorKind } from "./glide_errors.ts";

/** How long one SCAN step may take before the scan fails (our own guard). */
export const SCAN_STEP_TIMEOUT_MS = 5_000;

/** Where and how to scan. */
export interface ScanTarget {
  client: GlideClient | GlideClusterClient;
  cluster: boolean;
  pattern: string;
  count: number;
  /** Only keys of this type (`SCAN … TYPE`), when given. */
  type?: string | undefined;
  /**
   * Cluster only: milliseconds to keep repeating passes while slots move (a
   * reshard) before failing with a `RESHARDING` error.
   */
  scanReshardWait: number;
}

/** Yields pages of keys matching `pattern`; each key once. */
export function scanKeyPages(target: ScanTarget): AsyncGenerator<string[]> {
  return target.cluster ? scanCluster(target) : scanStandalone(target);
}

async function* scanStandalone(target: ScanTarget): AsyncGenerator<string[]> {
  const client = target.client as GlideClient;
  let cursor = "0";
  do {
    const reply = await step(() => client.customCommand(scanArgs(cursor, target)), target);
    const [next, keys] = reply as [string, string[]];
    cursor = String(next);
    if (keys.length > 0) yield keys;
  } while (cursor !== "0");
}

async function* scanCluster(target: ScanTarget): AsyncGenerator<string[]> {
  const client = target.client as GlideClusterClient;
  // Every key seen so far: a repeated pass must not return one twice.
  const seen = new Set<string>();
  const started = Date.now();
  const budget = target.scanReshardWait;
  for (;;) {
    const before = await step(() => readClusterTopology(client), target);
    for (const { host, port } of before.primaries) {
      let cursor = "0";
      do {
        const reply = await step(
          () =>
            client.customCommand(scanArgs(cursor, target), {
              route: { type: "routeByAddress", host, port },
            }),
          target,
        );
        const [next, keys] = reply as [string, string[]];
        cursor = String(next);
        const fresh = keys.filter((key) => !seen.has(key));
        for (const key of fresh) seen.add(key);
        if (fresh.length > 0) yield fresh;
      } while (cursor !== "0");
    }
    const after = await step(() => readClusterTopology(client), target);
    const stable = !before.migrating && !after.migrating &&
      before.signature === after.signature;
    if (stable) return;
    const waited = Date.now() - started;
    if (waited >= budget) {
      throw new StoreFailure(
        "RESHARDING",
        `a reshard was in progress: cluster slots kept moving for ${waited} ms, longer than scanReshardWait (${budget} ms), so the scan could not be sure to see every key; gave up`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function scanArgs(cursor: string, target: ScanTarget): string[] {
  const args = ["SCAN", cursor, "MATCH", target.pattern, "COUNT", String(target.count)];
  if (target.type !== undefined) args.push("TYPE", target.type);
  return args;
}

/** Backoff before each resend of a cluster scan step that GLIDE timed out. */
const SCAN_STEP_RETRY_DELAYS_MS = [50, 100, 200];

/**
 * Runs one scan step with a timeout of our own. In cluster mode a step that
 * GLIDE timed out is sent again, up to 3 times: a primary that is migrating
 * keys can stall past the request timeout more than once (seen in CI), a
 * step (same cursor) is idempotent, and a scan during a reshard waits for
 * the migration anyway. Standalone steps fail at once, so outages stay fast.
 */
async function step<T>(work: () => Promise<T>, target: ScanTarget): Promise<T> {
  for (let retry = 0;; retry++) {
    try {
      return await guarded(work());
    } catch (error) {
      const delay = SCAN_STEP_RETRY_DELAYS_MS[retry];
      if (!target.cluster || glideErrorKind(error) !== "timeout" || delay === undefined) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function guarded<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StoreFailure(
            "UNREACHABLE",
            `a SCAN step got no answer within ${SCAN_STEP_TIMEOUT_MS} ms`,
          ),
        ),
      SCAN_STEP_TIMEOUT_MS,
    );
  });
  // If the timeout wins, a late failure of `work` must not be unhandled.
  work.catch(() => {});
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
