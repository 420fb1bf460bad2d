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
