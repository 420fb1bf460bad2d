/**
 * TTL rules: when a session expires in Valkey, as an absolute time in
 * milliseconds (sent with PEXPIREAT, so the key expires exactly when the
 * cookie does and `get()` gives back the `cookie.expires` that was saved).
 *
 * 1. `disableTTL`: never, except that a session whose cookie has already
 *    expired is deleted (as connect-valkey 1.0.x did).
 * 2. A `ttl` function decides: the session lives that many seconds from now.
 * 3. A valid `cookie.expires`: the key expires when the cookie does. An
 *    invalid one (not a date) falls back to rule 4 instead of failing.
 * 4. The `ttl` option, in seconds from now.
 *
 * @module
 */
import type { ResolvedOptions, SessionData } from "./options.ts";
import { StoreFailure } from "./_connection/failure.ts";

/**
 * When `session` expires (epoch ms), or `undefined` for never. A time at or
 * before `now` means the session has already expired and is to be deleted.
 */
export function sessionExpiresAt(
  options: Pick<ResolvedOptions, "ttl" | "disableTTL">,
  session: SessionData,
  now: number = Date.now(),
): number | undefined {
  const expires = cookieExpiry(session);
  if (options.disableTTL) return expires !== undefined && expires <= now ? expires : undefined;
  if (typeof options.ttl === "function") {
    const seconds = options.ttl(session);
    if (typeof seconds !== "number" || Number.isNaN(seconds)) {
      throw new StoreFailure(
        "INVALID_SESSION",
        `the ttl function must return a number of seconds, returned ${String(seconds)}`,
      );
    }
    return now + Math.round(seconds * 1000);
  }
  return expires ?? now + Math.round(options.ttl * 1000);
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
 * Sets `cookie.expires` to the key's expiry (epoch ms), keeping the type it
 * was stored with: `touch()` moves only the key's expiry, and the key's
 * expiry is the single truth. Only a cookie that has an expiry is changed.
 */
export function applyKeyExpiry(session: SessionData, expiresAt: number): void {
  const cookie = session.cookie;
  const expires = cookie?.expires;
  if (expiresAt <= 0 || expires === undefined || expires === null) return;
  if (typeof expires === "string") {
    // The common case: the stored expiry is the key's (no parse needed to see it).
    const iso = new Date(expiresAt).toISOString();
    if (expires !== iso && Number.isFinite(Date.parse(expires))) cookie!.expires = iso;
  } else if (cookieExpiry(session) !== undefined) {
    cookie!.expires = new Date(expiresAt);
  }
}
