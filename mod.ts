/**
 * A Valkey session store for express-session (Express 4 and 5, connect) and for
 * the `@fastify/session` plugin, built on the official Valkey client
 * `@valkey/valkey-glide`. Works with a standalone `GlideClient` and with a
 * `GlideClusterClient`, under Node, Deno and Bun.
 *
 * A session is one string, as connect-valkey 1.0.x and connect-redis store
 * it, so they share keys both ways during a rolling deploy; saves of
 * sessions the store loaded are compare-and-set merges, so overlapping
 * requests keep each other's changes; `destroy()` is final even against requests still in
 * flight; every key stays under the store's prefix; with the `userId`
 * option, `userSessions()` and `destroyUserSessions()` find and end every
 * session of a user. Store calls made at the same moment leave together in
 * one pipeline, and `clear/length/ids/all` scan page by page.
 *
 * @example Usage
 * ```ts ignore
 * import { GlideClient } from "@valkey/valkey-glide";
 * import express from "express";
 * import session from "express-session";
 * import { ValkeyStore } from "@gjuchault/connect-valkey";
 *
 * const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: 6379 }] });
 * const app = express();
 * app.use(session({
 *   store: new ValkeyStore({ client }),
 *   secret: "keyboard cat",
 *   resave: false,
 *   saveUninitialized: false,
 * }));
 * app.get("/", (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1;
 *   res.send(`views: ${req.session.views}`);
 * });
 * app.listen(3000);
 * ```
 *
 * @module
 */
export { ValkeyStore } from "./src/store.ts";
export type { SessionWithId } from "./src/session_with_id.ts";
export type { DestroyUserSessionsOptions } from "./src/_user_index.ts";
export type {
  SessionData,
  SessionInput,
  TtlOption,
  UserIdOption,
  ValkeyStoreOptions,
} from "./src/options.ts";
export type { Serializer } from "./src/serializer.ts";
export { ValkeyStoreError, type ValkeyStoreErrorCode } from "./src/errors.ts";
export type { Callback } from "./src/callback.ts";
export {
  type HonoSessionStorage,
  honoSessionStorage,
  type HonoSessionStorageOptions,
} from "./src/hono_storage.ts";
