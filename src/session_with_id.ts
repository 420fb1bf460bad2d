/**
 * The shape of a listed session.
 *
 * @module
 */
import type { SessionData } from "./options.ts";

/**
 * A stored session together with its id, as `all()`, `sessionPages()` and
 * `userSessions()` return it.
 *
 * @example Usage
 * ```ts
 * import type { SessionWithId } from "@gjuchault/connect-valkey";
 *
 * const listed: SessionWithId = { id: "abc", cookie: {}, user: "ada" };
 * console.log(listed.id);
 * ```
 */
export type SessionWithId = SessionData & { id: string };
