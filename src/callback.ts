/**
 * Node-style callbacks on top of promises, for express-session, connect and
 * the `@fastify/session` plugin, which call stores with callbacks.
 *
 * @module
 */

/**
 * A node-style callback: an error first, or `null` and the result.
 *
 * @example Usage
 * ```ts
 * import type { Callback } from "@gjuchault/connect-valkey";
 *
 * const done: Callback<number> = (error, count) => {
 *   if (error) console.error(error);
 *   else console.log(count);
 * };
 * done(null, 3);
 * ```
 */
export type Callback<T> = (error: unknown, result?: T) => void;

/**
 * Settles `work` through `callback` when one is given, else returns it.
 *
 * With a callback the returned promise never rejects (no unhandled
 * rejection), and the callback runs outside the promise chain: if it throws,
 * the exception surfaces as an uncaught exception, like a throw in any
 * node-style callback, instead of being caught and delivered to the same
 * callback a second time.
 */
export function settle<T>(
  work: Promise<T>,
  callback: Callback<T> | undefined,
): Promise<T> | Promise<void> {
  if (callback === undefined) return work;
  return work.then(
    (result) => {
      queueMicrotask(() => callback(null, result));
    },
    (error: unknown) => {
      queueMicrotask(() => callback(error));
    },
  );
}
