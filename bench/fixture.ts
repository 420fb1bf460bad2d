/**
 * The data every benchmark uses: a pool of ~1 KB sessions, one per session
 * id, with the field a "save" changes.
 *
 * @module
 */

/** Sessions seeded per subject, and the ids the benchmark picks from. */
export const POOL = 10_000;

/** The top-level field a `save` changes (express-session's "one thing changed"). */
export const SAVE_FIELD = "views";

/** A session's TTL when its cookie says nothing: one day. */
export const TTL_MS = 86_400_000;

/** The id of pool entry `n`. */
export function sid(n: number): string {
  return `s${n}`;
}

/** A realistic ~1 KB session for user `n` (its JSON is about 1,000 bytes). */
export function session(n: number): Record<string, unknown> {
  return {
    cookie: {
      originalMaxAge: TTL_MS,
      expires: new Date(Date.now() + TTL_MS).toISOString(),
      httpOnly: true,
      path: "/",
      secure: false,
    },
    user: { id: n, name: `user-${n}`, email: `user${n}@example.com`, roles: ["reader", "writer"] },
    csrf: "c".repeat(64),
    cart: Array.from(
      { length: 8 },
      (_, i) => ({ sku: `SKU-${n}-${i}`, qty: i + 1, price: 9.99 + i }),
    ),
    prefs: { theme: "dark", lang: "en-GB", tz: "Europe/Paris" },
    flash: "x".repeat(300),
    [SAVE_FIELD]: 0,
  };
}

/** The session's fields without its cookie (what an app puts in `req.session`). */
export function sessionFields(n: number): Record<string, unknown> {
  const { cookie: _cookie, ...fields } = session(n);
  return fields;
}
