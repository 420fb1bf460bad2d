/**
 * An adapter so the same store backs Hono's official session middleware
 * (`@hono/session`, through `useSessionStorage`).
 *
 * @module
 */
import type { SessionData } from "./options.ts";
import type { ValkeyStore } from "./store.ts";

/**
 * The external storage `@hono/session`'s `useSessionStorage()` takes.
 * `set` and `delete` return nothing (Hono does not wait for them), so
 * their failures go to `onError` instead of becoming unhandled rejections,
 * and `get` of a session waits for that session's write still in flight
 * (read-your-writes within one process).
 *
 * @example Usage
 * ```ts ignore
 * import { honoSessionStorage, type HonoSessionStorage } from "@gjuchault/connect-valkey";
 *
 * const storage: HonoSessionStorage<{ user: string }> = honoSessionStorage(store);
 * ```
 *
 * @typeParam Data The session data type of your Hono app.
 */
export interface HonoSessionStorage<Data> {
  /** The session data, or `null` when there is none. */
  get(sid: string): Promise<Data | null>;
  /** Stores the session data (Hono does not wait for it). */
  set(sid: string, value: Data): void;
  /** Deletes the session (Hono does not wait for it). */
  delete(sid: string): void;
}

/**
 * Options of {@link honoSessionStorage}.
 *
 * @example Usage
 * ```ts
 * import type { HonoSessionStorageOptions } from "@gjuchault/connect-valkey";
 *
 * const options: HonoSessionStorageOptions = { onError: (error) => console.warn("session write failed", error) };
 * ```
 */
export interface HonoSessionStorageOptions {
  /**
   * Called when a `set` or `delete` fails, since Hono does not wait for
   * them. Default: `console.error`.
   */
  onError?: (error: unknown) => void;
}

/**
 * Storage for `@hono/session` backed by a {@link ValkeyStore}. Sessions
 * have no cookie here, so they live for the store's `ttl`: set it to the
 * `duration` you give `useSession()`.
 *
 * @example Usage
 * ```ts ignore
 * import { Hono } from "hono";
 * import { useSession, useSessionStorage, type SessionEnv } from "@hono/session";
 * import { honoSessionStorage, ValkeyStore } from "@gjuchault/connect-valkey";
 *
 * const store = new ValkeyStore({ client, ttl: 3600 });
 * const app = new Hono<SessionEnv>();
 * app.use(useSessionStorage(honoSessionStorage(store)), useSession({ duration: { absolute: 3600 } }));
 * ```
 *
 * @typeParam Data The session data type of your Hono app.
 * @param store The store to keep sessions in.
 * @param options Where failures of `set` and `delete` go.
 * @returns Storage to pass to `useSessionStorage()`.
 */
export function honoSessionStorage<Data extends Record<string, unknown> = Record<string, unknown>>(
  store: ValkeyStore,
  options: HonoSessionStorageOptions = {},
): HonoSessionStorage<Data> {
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  // Hono does not wait for set/delete, so the next request of the same
  // session can arrive first: get() waits for that session's write in flight.
  const writes = new Map<string, Promise<void>>();
  const track = (sid: string, write: Promise<void>): void => {
    const done = write.catch(onError).finally(() => {
      if (writes.get(sid) === done) writes.delete(sid);
    });
    writes.set(sid, done);
  };
  return {
    get: async (sid) => {
      await writes.get(sid);
      return (await store.get(sid)) as Data | null;
    },
    set: (sid, value) => track(sid, store.set(sid, value as SessionData)),
    delete: (sid) => track(sid, store.destroy(sid)),
  };
}
