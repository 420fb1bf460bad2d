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
 * What a session hash holds, as `{ field: serialized value }`, read with the
 * inspecting client; checks that each value starts with its field's name.
 */
export async function storedFields(
  ctx: ContractContext,
  key: string,
): Promise<Record<string, string>> {
  return decodeHash(await ctx.inspect.customCommand(["HGETALL", key]));
}

/** A session hash's `HGETALL` reply as `{ field: serialized value }`. */
export function decodeHash(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const { key, value } of reply as { key: unknown; value: unknown }[]) {
    const field = String(key);
    const prefix = `${field.length}:${field}`;
    if (!String(value).startsWith(prefix)) {
      throw new Error(`field ${field} holds ${String(value)}, which does not start with ${prefix}`);
    }
    fields[field] = String(value).slice(prefix.length);
  }
  return fields;
}

/** Writes one field of a session hash as another request of the app would. */
export async function writeField(
  ctx: ContractContext,
  key: string,
  field: string,
  serialized: string,
): Promise<void> {
  await ctx.inspect.customCommand(["HSET", key, field, `${field.length}:${field}${serialized}`]);
}

/** The type of a key ("hash", "set" for a logout mark, "none"…), read with the inspecting client. */
export async function storedType(ctx: ContractContext, key: string): Promise<string> {
  return String(await ctx.inspect.customCommand(["TYPE", key]));
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
