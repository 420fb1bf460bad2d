/**
 * TTL rules: how long a session lives in Valkey.
 *
 * 1. `disableTTL`: no expiry.
 * 2. A valid `cookie.expires` wins: the key expires when the cookie does.
 *    An invalid one (not a date) falls back to rule 3 instead of failing,
 *    because the cookie still works and the `ttl` option is a safe default.
 * 3. The `ttl` option: seconds, or a function of the session.
 *
 * TTLs are kept in milliseconds (PX/PEXPIRE) so `get()` can report a
 * `cookie.expires` that matches the key's real expiry to the millisecond.
 *
 * @module
 */
import type { ResolvedOptions, SessionData } from "./options.ts";
import { ValkeyStoreError } from "./errors.ts";

/** Milliseconds until `session` expires, or `undefined` for "never" (`disableTTL`). */
export function sessionTtlMs(
  options: Pick<ResolvedOptions, "ttl" | "disableTTL">,
  session: SessionData,
  operation: string,
  sessionId: string,
  now: number = Date.now(),
): number | undefined {
  if (options.disableTTL) return undefined;
  const expires = cookieExpiry(session);
  if (expires !== undefined) return expires - now;
  const seconds = typeof options.ttl === "function" ? options.ttl(session) : options.ttl;
  if (typeof seconds !== "number" || Number.isNaN(seconds)) {
    throw new ValkeyStoreError(
      operation,
      "INVALID_SESSION",
      `the ttl function must return a number of seconds, returned ${String(seconds)}`,
      { sessionId },
    );
  }
  return Math.round(seconds * 1000);
}

/** The cookie's expiry as epoch milliseconds, or `undefined` when absent or not a valid date. */
export function cookieExpiry(session: SessionData): number | undefined {
  const expires = session.cookie?.expires;
  if (expires === undefined || expires === null) return undefined;
  const time = expires instanceof Date
    ? expires.getTime()
    : typeof expires === "string"
    ? Date.parse(expires)
    : Number.NaN;
  return Number.isFinite(time) ? time : undefined;
}

/**
 * Rewrites `cookie.expires` to the key's real expiry (`now + pttl`), keeping
 * the type it was stored with. Only sessions whose cookie has an expiry and
 * whose key has one are changed: after a `touch()` the session reports the
 * refreshed expiry without its data being rewritten.
 */
export function applyKeyExpiry(
  session: SessionData,
  pttl: number,
  now: number = Date.now(),
): void {
  const cookie = session.cookie;
  if (pttl <= 0 || cookie === undefined || cookieExpiry(session) === undefined) {
    return;
  }
  const expires = new Date(now + pttl);
  cookie.expires = cookie.expires instanceof Date ? expires : expires.toISOString();
}
