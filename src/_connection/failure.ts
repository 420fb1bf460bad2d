/**
 * Failures raised inside the store before it knows which method they leave
 * through. The store turns each into a `ValkeyStoreError` naming the method
 * and the session once, at its edge (`toStoreError`).
 *
 * @module
 */
import type { ValkeyStoreErrorCode } from "../errors.ts";

/** A classified failure: a code, a short description, and the underlying error. */
export class StoreFailure extends Error {
  /** Why it failed. */
  readonly code: ValkeyStoreErrorCode;
  /** The session it is about, when that is not the call's own (a corrupt entry of `all()`). */
  readonly sessionId: string | undefined;

  /**
   * @param code Why it failed.
   * @param detail A short description, without the method's name.
   * @param cause The underlying error, if any.
   * @param sessionId The session it is about, if not the call's.
   */
  constructor(code: ValkeyStoreErrorCode, detail: string, cause?: unknown, sessionId?: string) {
    super(detail, { cause });
    this.name = "StoreFailure";
    this.code = code;
    this.sessionId = sessionId;
  }
}
