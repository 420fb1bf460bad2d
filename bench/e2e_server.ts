/**
 * The end-to-end benchmark's server: Express 5 + express-session with one
 * of five stores. Run in its own process so the load generator does not
 * share its event loop. Prints `listening <port>` when ready.
 *
 * Usage: node npm/esm/bench/e2e_server.js <this|connect-redis|connect-valkey-1|probe|memory> <valkey-port>
 *
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { GlideClient, Logger } from "@valkey/valkey-glide";
import express from "express";
import session from "express-session";
import { ValkeyStore } from "../mod.ts";
import { sessionFields } from "./fixture.ts";
import { loadProbe } from "./peers.ts";

Logger.init("error");
const [kind, valkeyPort] = process.argv.slice(2) as [string, string];

/** Each store gets its own prefix, so their layouts never meet. */
async function makeStore(): Promise<session.Store | undefined> {
  if (kind === "memory") return undefined;
  const glide = () =>
    GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: Number(valkeyPort) }] });
  if (kind === "this") return new ValkeyStore({ client: await glide(), prefix: "e2e:this:" });
  if (kind === "probe") {
    const ProbeStore = (await loadProbe())!;
    const probe = new ProbeStore({ client: await glide(), prefix: "e2e:probe:" }) as unknown as {
      get(sid: string, cb: (error: unknown, session?: unknown) => void): void;
      set(sid: string, session: unknown, cb: (error?: unknown) => void): void;
      touch(sid: string, session: unknown, cb: (error?: unknown) => void): void;
      destroy(sid: string, cb: (error?: unknown) => void): void;
    };
    // express-session wants its Store's events around the probe's four calls.
    return new (class extends session.Store {
      override get = probe.get.bind(probe) as session.Store["get"];
      override set = probe.set.bind(probe) as session.Store["set"];
      override touch = probe.touch.bind(probe) as session.Store["touch"];
      override destroy = probe.destroy.bind(probe) as session.Store["destroy"];
    })();
  }
  if (kind === "connect-valkey-1") {
    const { ValkeyStore: OldStore } = await import("connect-valkey-1");
    return new OldStore({ client: await glide(), prefix: "e2e:cv1:" }) as unknown as session.Store;
  }
  if (kind !== "connect-redis") throw new TypeError(`Unknown store kind: "${kind}"`);
  const { createClient } = await import("redis");
  const { RedisStore } = await import("connect-redis");
  const client = createClient({ socket: { host: "127.0.0.1", port: Number(valkeyPort) } });
  await client.connect();
  return new RedisStore({ client, prefix: "e2e:cr:" });
}

const app = express();
app.use(session({
  store: await makeStore(),
  secret: "bench secret",
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: 3_600_000 },
}));
let logins = 0;
// A ~1 KB session, as in the store benchmark.
app.post("/login", (req, res) => {
  Object.assign(req.session, sessionFields(logins++));
  res.json({ ok: true });
});
// Read-only: the session is loaded and touched, not rewritten (get + touch).
app.get("/read", (req, res) => {
  const user = (req.session as unknown as Record<string, { id?: number }>).user;
  res.json({ user: user?.id ?? null });
});
// Writing: one field changes, so the session is saved (get + set).
app.get("/write", (req, res) => {
  const data = req.session as unknown as Record<string, number>;
  data.views = (data.views ?? 0) + 1;
  res.json({ views: data.views });
});
const server = createServer(app).listen(0, "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
