/** What each contract suite gets: a way to make stores, and a separate client to inspect Valkey. */
import { ValkeyStore, type ValkeyStoreOptions } from "../../mod.ts";
import type { AnyClient } from "./clients.ts";

export interface ContractContext {
  kind: "standalone" | "cluster";
  /** The client stores are built on. */
  client: AnyClient;
  /** A separate client, used only to read back what is really in Valkey. */
  inspect: AnyClient;
  /**
   * Put before every store prefix the contract makes (for a user whose ACL
   * allows only keys under it, such as `acl:`). Default none.
   */
  basePrefix?: string;
}

let counter = 0;

/** A store with a prefix of its own, so tests never see each other's keys. */
export function makeStore(
  ctx: ContractContext,
  options: Partial<ValkeyStoreOptions> = {},
): ValkeyStore {
  counter++;
  return new ValkeyStore({
    client: ctx.client,
    prefix: `${ctx.basePrefix ?? ""}t${counter}-${Date.now()}:`,
    ...options,
  });
}

/** Runs a raw command on the inspecting client (routed by key in cluster mode). */
export async function raw(ctx: ContractContext, ...args: string[]): Promise<unknown> {
  return await ctx.inspect.customCommand(args);
}

/**
 * The session stored at `key`, parsed from its JSON string, read with the
 * inspecting client; `null` when the key is missing. Fails on a logout mark.
 */
export async function storedSession(
  ctx: ContractContext,
  key: string,
): Promise<Record<string, unknown> | null> {
  const text = await ctx.inspect.customCommand(["GET", key]);
  if (text === null) return null;
  if (text === "") throw new Error(`${key} holds a logout mark, not a session`);
  return JSON.parse(String(text));
}

/**
 * Sets one top-level key of a stored session as another app instance would:
 * a read, then a write of the whole string (keeping its expiry).
 */
export async function writeKey(
  ctx: ContractContext,
  key: string,
  name: string,
  value: unknown,
): Promise<void> {
  const session = (await storedSession(ctx, key)) ?? {};
  session[name] = value;
  await ctx.inspect.customCommand(["SET", key, JSON.stringify(session), "KEEPTTL"]);
}

/**
 * What the key holds: "session" (a non-empty string), "mark" (the empty
 * string of a logout mark), "none", or another Valkey type.
 */
export async function storedKind(ctx: ContractContext, key: string): Promise<string> {
  const type = String(await ctx.inspect.customCommand(["TYPE", key]));
  if (type !== "string") return type;
  return Number(await ctx.inspect.customCommand(["STRLEN", key])) === 0 ? "mark" : "session";
}

export function sessionWith(
  data: Record<string, unknown>,
  expires?: Date,
): Record<string, unknown> {
  return {
    cookie: {
      originalMaxAge: expires ? expires.getTime() - Date.now() : null,
      expires: expires?.toISOString() ?? null,
      httpOnly: true,
      path: "/",
    },
    ...data,
  };
}

export function randomId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
