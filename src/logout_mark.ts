/**
 * The logout mark. `destroy()` replaces the session's hash by a mark in the
 * same key: a set holding {@link MARK_MEMBER}, which lives
 * {@link MARK_TTL_MS}. While it lasts, a late save of that id is dropped:
 *
 * - a merge (`HSET` of the changed fields) fails by type with `WRONGTYPE`,
 *   so it needs no script; the store then hands the save to the replace
 *   script, which sees the mark and drops it;
 * - the replace and touch scripts check the key's type first.
 *
 * A session that express-session creates through this store after the
 * logout (its `generate`, e.g. with a deterministic `genid`) replaces the
 * mark. The mark is not a hash and not a string, so scans for sessions
 * (`SCAN … TYPE hash` and `TYPE string`) never count it, and it is under
 * the store's prefix, so `clear()` removes it and a prefix-scoped ACL user
 * can write it.
 *
 * @module
 */

/** The member of the set that marks a destroyed session. */
export const MARK_MEMBER = "connect-valkey:destroyed";

/** How long a logout mark blocks late saves of the same id: 10 minutes. */
export const MARK_TTL_MS = 600_000;

/** True when `error` (or its cause) is Valkey's `WRONGTYPE` reply. */
export function isWrongType(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (e.message.includes("WRONGTYPE")) return true;
  }
  return false;
}
