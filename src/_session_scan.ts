/**
 * Listing and clearing a store's sessions: `SCAN` page by page (on every
 * primary of a cluster, see `_connection/key_scan.ts`), only this store's
 * prefix. Sessions are the non-empty strings under it: logout marks (empty
 * strings) and user indexes (sorted sets) are skipped.
 *
 * @module
 */
import type { Connection } from "./_connection/connection.ts";
import {
  decodeSession,
  deleteCommand,
  lengthCommand,
  prefixPattern,
  valueCommand,
} from "./_format.ts";
import type { ResolvedOptions } from "./options.ts";
import type { SessionWithId } from "./session_with_id.ts";

/** Pages of a store's sessions, and `clear()`. */
export class SessionScan {
  readonly #connection: Connection;
  readonly #options: ResolvedOptions;

  constructor(connection: Connection, options: ResolvedOptions) {
    this.#connection = connection;
    this.#options = options;
  }

  /** Deletes every key under the prefix (sessions, marks, user indexes), a page at a time. */
  async clear(): Promise<void> {
    const connection = this.#connection;
    for await (const keys of connection.keyPages(prefixPattern(this.#options.prefix))) {
      // In a cluster each key may live on another primary: one DEL per key.
      const commands = connection.cluster ? keys.map((key) => [key]) : [keys];
      await Promise.all(commands.map((batch) => connection.send(deleteCommand(batch))));
    }
  }

  /** Pages of session ids. */
  async *idPages(): AsyncGenerator<string[]> {
    const cut = this.#options.prefix.length;
    for await (const keys of this.#stringKeyPages()) {
      const lengths = await Promise.all(
        keys.map((key) => this.#connection.send(lengthCommand(key))),
      );
      const ids = keys.filter((_, i) => Number(lengths[i]) > 0).map((key) => key.slice(cut));
      if (ids.length > 0) yield ids;
    }
  }

  /** Pages of sessions, each with its `id`; a value that does not parse fails naming its id. */
  async *sessionPages(): AsyncGenerator<SessionWithId[]> {
    const cut = this.#options.prefix.length;
    const { serializer } = this.#options;
    for await (const keys of this.#stringKeyPages()) {
      const texts = await Promise.all(keys.map((key) => this.#connection.send(valueCommand(key))));
      const page: SessionWithId[] = [];
      for (const [i, text] of texts.entries()) {
        // null or a logout mark: expired or destroyed since the scan found it.
        if (typeof text !== "string" || text === "") continue;
        const id = keys[i]!.slice(cut);
        const session = await decodeSession(serializer, text, id);
        if (session !== null) page.push(Object.assign(session, { id }));
      }
      if (page.length > 0) yield page;
    }
  }

  #stringKeyPages(): AsyncGenerator<string[]> {
    return this.#connection.keyPages(prefixPattern(this.#options.prefix), "string");
  }
}
