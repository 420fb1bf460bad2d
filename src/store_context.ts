/**
 * What the pieces of the store share: its options, its memory of the
 * sessions it handed out, and how it sends commands and scans keys. The
 * store builds one and passes it to the reads, the writes, the user index
 * and the layout downgrade.
 *
 * @module
 */
import type { GlideReturnType } from "@valkey/valkey-glide";
import type { ResolvedOptions } from "./options.ts";
import type { SessionOrigins } from "./session_merge.ts";

/** Sends one command (pipelined, with the store's retry policy). */
export type Send = (args: string[], operation: string, sid?: string) => Promise<GlideReturnType>;

/** The store's shared parts. */
export interface StoreContext {
  readonly options: ResolvedOptions;
  readonly origins: SessionOrigins;
  readonly send: Send;
  /**
   * Throws `OVERLOADED` unless `count` more commands fit in the queue: a call
   * that sends several at once asks first, so it is never half sent.
   */
  readonly admit: (count: number, operation: string, sid?: string) => void;
  /** Pages of this store's keys, only those of `type` when given. */
  readonly keyPages: (operation: string, type: string | undefined) => AsyncGenerator<string[]>;
}
