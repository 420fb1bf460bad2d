/**
 * The implementations the store benchmark compares, behind one interface:
 * this store, connect-valkey 1.0.1 (npm), connect-redis 9 with node-redis 5,
 * and the floor (raw GLIDE batches, see `floor.ts`). Peers are imported only
 * when asked for, so Deno and Bun runs of this store load nothing else.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GlideClient } from "@valkey/valkey-glide";
import session from "express-session";
import { ValkeyStore, type ValkeyStoreOptions } from "../mod.ts";
import { openFloor } from "./floor.ts";

/** One implementation under test. */
export interface Subject {
  /** The column name. */
  name: string;
  set(sid: string, session: Record<string, unknown>): Promise<unknown>;
  get(sid: string): Promise<unknown>;
  touch(sid: string, session: Record<string, unknown>): Promise<unknown>;
  /** `set` of a plain object over a stored session (a framework that does not load through the store). */
  replace(sid: string, session: Record<string, unknown>): Promise<unknown>;
  /** Loads a session as the framework does before changing it (express-session's `load`). */
  load(sid: string): Promise<Record<string, unknown>>;
  /** Saves a session `load` returned, after one field of it changed. */
  save(sid: string, loaded: Record<string, unknown>): Promise<unknown>;
  /** `set` through a store built with the `userId` option; absent where there is none. */
  setWithUserId?: (sid: string, session: Record<string, unknown>) => Promise<unknown>;
  close(): Promise<void>;
}

/** How a subject is made: connected to the valkey-server on `port`, keys under its own prefix. */
export type SubjectMaker = (port: number) => Promise<Subject>;

interface PromiseStore {
  set(sid: string, session: Record<string, unknown>): Promise<unknown>;
  get(sid: string): Promise<unknown>;
  touch(sid: string, session: Record<string, unknown>): Promise<unknown>;
}

async function glideClient(port: number): Promise<GlideClient> {
  return await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });
}

async function loaded(store: PromiseStore, sid: string): Promise<Record<string, unknown>> {
  const data = await store.get(sid);
  if (data === null || data === undefined) throw new Error(`session ${sid} was not seeded`);
  return data as Record<string, unknown>;
}

/** A session store's promise API as a subject; `save` is a `set` of the whole session. */
function fromStore(name: string, store: PromiseStore, close: () => Promise<void>): Subject {
  return {
    name,
    set: (sid, session) => store.set(sid, session),
    replace: (sid, session) => store.set(sid, session),
    get: (sid) => store.get(sid),
    touch: (sid, session) => store.touch(sid, session),
    load: (sid) => loaded(store, sid),
    save: (sid, session) => store.set(sid, session),
    close,
  };
}

/**
 * Passes the store to express-session as an app does, so that the store's
 * `createSession` works (the store imports express-session lazily once
 * express-session sets `store.generate`), and waits for that import.
 */
async function attachExpressSession(store: ValkeyStore): Promise<void> {
  session({ store, secret: "bench", resave: false, saveUninitialized: false });
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      store.createSession({ sessionID: "probe" }, { cookie: {} });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/**
 * A store built with `userId: (s) => s.user?.id`, or `undefined` while the
 * store has no such option (the constructor rejects unknown options).
 */
function storeWithUserId(client: GlideClient): ValkeyStore | undefined {
  const options: Record<string, unknown> = {
    client,
    prefix: "bench:this-uid:",
    userId: (s: { user?: { id?: unknown } }) => s.user?.id,
  };
  try {
    return new ValkeyStore(options as unknown as ValkeyStoreOptions);
  } catch {
    return undefined;
  }
}

/**
 * This store. `set` is what express-session sends for a new session (one it
 * generated through the store); `replace` a plain object over a stored
 * session; `save` sets the `Session` that `createSession` built, as
 * express-session does.
 */
export const thisStore: SubjectMaker = async (port) => {
  const client = await glideClient(port);
  const store = new ValkeyStore({ client, prefix: "bench:this:" });
  await attachExpressSession(store);
  const withUserId = storeWithUserId(client);
  // express-session's generate(): the store's hook marks the new session as fresh.
  const generated = store as unknown as { sessionGenerated(sid: string, session: object): void };
  return {
    ...fromStore("this store", store, () => Promise.resolve(client.close())),
    set: (sid, session) => {
      generated.sessionGenerated(sid, session);
      return store.set(sid, session);
    },
    load: async (sid) => {
      const data = await loaded(store, sid);
      const req = { sessionID: sid, sessionStore: store };
      return store.createSession(req, data) as Record<string, unknown>;
    },
    setWithUserId: withUserId && ((sid, session) => withUserId.set(sid, session)),
  };
};

/** connect-valkey 1.0.1 from npm: one GLIDE request per call. */
export const connectValkey101: SubjectMaker = async (port) => {
  const { ValkeyStore: OldStore } = await import("connect-valkey-1");
  const client = await glideClient(port);
  const store = new OldStore({ client, prefix: "bench:cv1:" }) as unknown as PromiseStore;
  return fromStore("connect-valkey 1.0.1", store, () => Promise.resolve(client.close()));
};

/** connect-redis 9 on node-redis 5. */
export const connectRedis: SubjectMaker = async (port) => {
  const { createClient } = await import("redis");
  const { RedisStore } = await import("connect-redis");
  const client = createClient({ socket: { host: "127.0.0.1", port } });
  await client.connect();
  const store = new RedisStore({ client, prefix: "bench:cr:" }) as unknown as PromiseStore;
  return fromStore("connect-redis 9", store, async () => void (await client.quit()));
};

/**
 * The string-per-session probe of `../shared/bench/string_probe.mjs` (a hot
 * path, not a store: GET + parse, SET … PXAT, PEXPIREAT, one queue flushed
 * on setImmediate), when that file is there.
 */
export const probe: SubjectMaker = async (port) => {
  const ProbeStore = await loadProbe();
  if (ProbeStore === undefined) throw new Error(`no probe at ${PROBE_PATH}`);
  const client = await glideClient(port);
  const store = new ProbeStore({ client, prefix: "bench:probe:" });
  return fromStore("probe", store, () => Promise.resolve(client.close()));
};

/** Where the probe is: `shared/` beside the repository. */
export const PROBE_PATH: string = fileURLToPath(
  new URL("../shared/bench/string_probe.mjs", repoRootUrl()),
);

function repoRootUrl(): string {
  // bench/ in the sources, npm/esm/bench/ in the npm build.
  const here = new URL(".", import.meta.url).href;
  return here.includes("/npm/esm/bench/")
    ? new URL("../../../", here).href
    : new URL("../", here).href;
}

type ProbeClass = new (options: { client: GlideClient; prefix: string }) => PromiseStore;

/** The probe's class, or `undefined` when `shared/` is not beside the repository. */
export async function loadProbe(): Promise<ProbeClass | undefined> {
  if (!existsSync(PROBE_PATH)) return undefined;
  // The probe imports GLIDE by this variable (it lives outside this package).
  process.env.GLIDE_MODULE ??= import.meta.resolve("@valkey/valkey-glide");
  const module = await import(pathToFileURL(PROBE_PATH).href);
  return module.ProbeStore as ProbeClass;
}

/** Raw GLIDE `Batch(false)` of this store's commands at the same depth. */
export const floor: SubjectMaker = async (port) => {
  const floor = await openFloor(port, "bench:floor:");
  return {
    name: "floor",
    set: floor.set,
    replace: floor.replace,
    get: floor.get,
    touch: floor.touch,
    load: async (sid) => {
      const data = await floor.get(sid);
      if (data === null) throw new Error(`session ${sid} was not seeded`);
      return data;
    },
    save: floor.save,
    close: () => Promise.resolve(floor.close()),
  };
};
