/**
 * How the values of a session become stored strings and back.
 *
 * @module
 */

/**
 * How the values of a session are stored. A session is stored as one hash
 * field per top-level key, so `stringify` and `parse` are called once per
 * top-level value (the cookie, the user, the cart…), not once per session.
 * Sessions stored by connect-valkey 1.0.x (one string per session) are read
 * with one `parse` of the whole session. `parse` may return a promise (for
 * example to decrypt); `stringify` must return a string.
 *
 * @example Usage
 * ```ts
 * import type { Serializer } from "@gjuchault/connect-valkey";
 *
 * const serializer: Serializer = {
 *   stringify: (value) => JSON.stringify(value),
 *   parse: async (text) => JSON.parse(text),
 * };
 * ```
 */
export interface Serializer {
  /** Reads a stored string back into a value. */
  parse(text: string): unknown;
  /** Turns a value into the string to store. */
  stringify(value: unknown): string;
}

/** JSON, the default serializer. */
export const DEFAULT_SERIALIZER: Serializer = {
  parse: (text) => JSON.parse(text),
  stringify: (value) => JSON.stringify(value),
};
