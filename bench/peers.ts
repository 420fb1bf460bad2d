/**
 * The implementations the benchmark compares, behind one interface: this
 * store, raw GLIDE commands, connect-valkey 1.0.1 (npm) and connect-redis
 * with node-redis. Peers are imported only when asked for, so Deno and Bun
 * runs of this store load nothing else.
 */
import { GlideClient, TimeUnit } from "@valkey/valkey-glide";
import { ValkeyStore } from "../mod.ts";

export interface Subject {
  name: string;
  set(sid: string, session: Record<string, unknown>): Promise<unknown>;
  get(sid: string): Promise<unknown>;
  touch(sid: string, session: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

const TTL_SECONDS = 86_400;

interface PromiseStore {
  set(sid: string, session: Record<string, unknown>): Promise<unknown>;
  get(sid: string): Promise<unknown>;
  touch(sid: string, session: Record<string, unknown>): Promise<unknown>;
}

/** A session store's promise API as a benchmark subject. */
function fromStore(name: string, store: PromiseStore, close: () => Promise<void>): Subject {
  return {
    name,
    set: (sid, session) => store.set(sid, session),
    get: (sid) => store.get(sid),
    touch: (sid, session) => store.touch(sid, session),
    close,
  };
}

export async function thisStore(port: number): Promise<Subject> {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });
  const store = new ValkeyStore({ client, prefix: "bench:" });
  return fromStore("this store", store, () => Promise.resolve(client.close()));
}

export async function rawGlide(port: number): Promise<Subject> {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });
  return {
    name: "raw GLIDE",
    set: (sid, session) =>
      client.set("bench:" + sid, JSON.stringify(session), {
        expiry: { type: TimeUnit.Seconds, count: TTL_SECONDS },
      }),
    get: async (sid) => {
      const text = await client.get("bench:" + sid);
      return text === null ? null : JSON.parse(String(text));
    },
    touch: (sid) => client.expire("bench:" + sid, TTL_SECONDS),
    close: () => Promise.resolve(client.close()),
  };
}

export async function connectValkey101(port: number): Promise<Subject> {
  const { ValkeyStore: OldStore } = await import("connect-valkey-1");
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });
  const store = new OldStore({ client, prefix: "bench:" }) as unknown as PromiseStore;
  return fromStore("connect-valkey 1.0.1", store, () => Promise.resolve(client.close()));
}

export async function connectRedis(port: number): Promise<Subject> {
  const { createClient } = await import("redis");
  const { RedisStore } = await import("connect-redis");
  const client = createClient({ socket: { host: "127.0.0.1", port } });
  await client.connect();
  const store = new RedisStore({ client, prefix: "bench:" }) as unknown as PromiseStore;
  return fromStore("connect-redis 9 + node-redis 5", store, async () => void (await client.quit()));
}
