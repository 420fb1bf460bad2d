/**
 * The one place that reads GLIDE's errors. GLIDE reports Valkey's replies
 * and its own failures as error classes and messages that differ between
 * standalone and cluster, and between a command sent alone and one in a
 * batch; everything else in the store asks {@link glideErrorKind}.
 *
 * @module
 */

/** What a failed command means for the store. */
export type GlideErrorKind =
  /** The client is closed, the connection is lost, or the request timed out. */
  | "unreachable"
  /** GLIDE's request timeout (also "unreachable" for callers that do not care). */
  | "timeout"
  /** `CLUSTERDOWN`: the cluster serves no key until a failover ends. */
  | "cluster-down"
  /** `TRYAGAIN`: a slot is being migrated. */
  | "try-again"
  /** A `MOVED`/`ASK` GLIDE could not follow, or a request lost with a dead primary. */
  | "moved"
  /** `NOSCRIPT`: the server does not know the script yet. */
  | "no-script"
  /** `WRONGTYPE`: the key holds another type. */
  | "wrong-type"
  /** The client was closed by its owner. */
  | "closed"
  /** Any other error reply. */
  | "other";

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Classifies an error thrown (or returned in a batch) by GLIDE. */
export function glideErrorKind(error: unknown): GlideErrorKind {
  const name = error instanceof Error ? error.constructor.name : "";
  if (name === "ClosingError") return "closed";
  if (name === "TimeoutError") return "timeout";
  if (name === "ConnectionError") return "unreachable";
  const text = message(error);
  // Valkey says "CLUSTERDOWN …"; GLIDE 2.5 renders it "- ClusterDown: …".
  if (/\b(CLUSTERDOWN|ClusterDown)\b/.test(text)) return "cluster-down";
  if (/\b(TRYAGAIN|TryAgain)\b/.test(text)) return "try-again";
  // GLIDE 2.5 reports a request lost with a dead primary as "BrokenPipe: …".
  if (/\b(MOVED|Moved|ASK|Ask|BrokenPipe)\b/.test(text)) return "moved";
  if (/NOSCRIPT|NoScriptError/.test(text)) return "no-script";
  if (text.includes("WRONGTYPE")) return "wrong-type";
  return "other";
}

/** True for errors after which a cluster's slot map should be read again. */
export function meansTopologyChanged(kind: GlideErrorKind): boolean {
  return kind === "moved" || kind === "cluster-down" || kind === "unreachable" ||
    kind === "timeout";
}
