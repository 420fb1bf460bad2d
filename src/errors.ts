/**
 * The one error class the store throws for failed operations, so callers can
 * tell a store failure (Valkey unreachable, corrupt value, overload) apart
 * from their own bugs.
 *
 * @module
 */
import { StoreFailure } from "./_connection/failure.ts";
import { glideErrorKind } from "./_connection/glide_errors.ts";

/**
 * Why a store operation failed.
 *
 * @example Usage
 * ```ts
 * import { ValkeyStoreError, type ValkeyStoreErrorCode } from "@gjuchault/connect-valkey";
 *
 * function isRetryable(error: unknown): boolean {
 *   const retryable: ValkeyStoreErrorCode[] = ["UNREACHABLE", "OVERLOADED"];
 *   return error instanceof ValkeyStoreError && retryable.includes(error.code);
 * }
 * console.log(isRetryable(new ValkeyStoreError("get", "OVERLOADED", "busy"))); // true
 * ```
 */
export type ValkeyStoreErrorCode =
  /** Valkey could not be reached, or did not answer in time. */
  | "UNREACHABLE"
  /** The stored value could not be read as a session. */
  | "CORRUPT_SESSION"
  /** Too many commands are already waiting; the call was refused at once. */
  | "OVERLOADED"
  /** Valkey answered with an error. */
  | "COMMAND_FAILED"
  /** The session could not be turned into a stored value. */
  | "INVALID_SESSION"
  /**
   * Cluster only: the cluster did not serve the key (`CLUSTERDOWN`, a
   * failover not yet over, its primary not answering) for longer than the
   * `clusterDownWait` option allows.
   */
  | "CLUSTER_DOWN"
  /**
   * Cluster only: a scan gave up because slots kept moving (a reshard was in
   * progress) for longer than the `scanReshardWait` option allows.
   */
  | "RESHARDING"
  /**
   * A merge could not land: other app instances changed the same session
   * before each of its compare-and-set tries (8 of them).
   */
  | "CONFLICT";

/**
 * Raised (or passed to the callback) when a store operation fails.
 *
 * `operation` names the store method, `sessionId` the session it was about
 * (when it was about one), and `cause` holds the underlying error.
 *
 * @example Usage
 * ```ts
 * import { ValkeyStoreError } from "@gjuchault/connect-valkey";
 *
 * const error = new ValkeyStoreError("get", "UNREACHABLE", "could not reach Valkey", { sessionId: "abc" });
 * console.log(error.message); // ValkeyStore.get("abc") failed: could not reach Valkey
 * ```
 */
export class ValkeyStoreError extends Error {
  /** The store method that failed, such as `"get"` or `"clear"`. */
  readonly operation: string;
  /** Why it failed. */
  readonly code: ValkeyStoreErrorCode;
  /** The session id the call was about, when it was about one. */
  readonly sessionId: string | undefined;

  /**
   * Builds the error; the message names the operation and the session id.
   *
   * @param operation The store method that failed.
   * @param code Why it failed.
   * @param detail A short description of what went wrong.
   * @param options The session id and the underlying cause, when known.
   */
  constructor(
    operation: string,
    code: ValkeyStoreErrorCode,
    detail: string,
    options: { sessionId?: string; cause?: unknown } = {},
  ) {
    const subject = options.sessionId === undefined
      ? `ValkeyStore.${operation}()`
      : `ValkeyStore.${operation}(${JSON.stringify(options.sessionId)})`;
    super(`${subject} failed: ${detail}`, { cause: options.cause });
    this.name = "ValkeyStoreError";
    this.operation = operation;
    this.code = code;
    this.sessionId = options.sessionId;
  }
}

/**
 * The error a store method fails with, from whatever went wrong inside it: a
 * {@link StoreFailure} keeps its code, a GLIDE error is classified (closed,
 * lost or timed out: `UNREACHABLE`; a key of another type: `CORRUPT_SESSION`;
 * any other reply: `COMMAND_FAILED`), a `ValkeyStoreError` is named again
 * for this method.
 */
export function toStoreError(
  error: unknown,
  operation: string,
  sessionId?: string,
): ValkeyStoreError {
  if (error instanceof ValkeyStoreError) {
    if (error.operation === operation && error.sessionId === sessionId) return error;
    return new ValkeyStoreError(operation, error.code, stripSubject(error), {
      sessionId,
      cause: error,
    });
  }
  if (error instanceof StoreFailure) {
    return new ValkeyStoreError(operation, error.code, error.message, {
      sessionId: error.sessionId ?? sessionId,
      cause: error.cause,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const kind = glideErrorKind(error);
  if (kind === "unreachable" || kind === "timeout" || kind === "closed") {
    return new ValkeyStoreError(
      operation,
      "UNREACHABLE",
      `could not reach Valkey (${(error as Error).constructor.name}: ${message})`,
      { sessionId, cause: error },
    );
  }
  if (kind === "wrong-type" && sessionId !== undefined) {
    return new ValkeyStoreError(
      operation,
      "CORRUPT_SESSION",
      "the key holds a value of another type, not a session",
      { sessionId, cause: error },
    );
  }
  return new ValkeyStoreError(
    operation,
    "COMMAND_FAILED",
    `Valkey answered with an error (${message})`,
    { sessionId, cause: error },
  );
}

function stripSubject(error: ValkeyStoreError): string {
  const at = error.message.indexOf(" failed: ");
  return at === -1 ? error.message : error.message.slice(at + 9);
}
