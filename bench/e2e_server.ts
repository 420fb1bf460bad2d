/**
 * The end-to-end benchmark's server: Express 5 + express-session with one
 * of three stores. Run in its own process so the load generator does not
 * share its event loop. Prints `listening <port>` when ready.
 *
 * Usage: node npm/esm/bench/e2e_server.js <this|connect-redis|memory> <valkey-port>
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { GlideClient, Logger } from "@valkey/valkey-glide";
import express from "express";
import session from "express-session";
import { ValkeyStore } from "../mod.ts";

Logger.init("error");
const [kind, valkeyPort] = process.argv.slice(2) as [string, string];

async function makeStore(): Promise<session.Store | undefined> {
  if (kind === "memory") return undefined;
  if (kind === "this") {
    const client = await GlideClient.createClient({
      addresses: [{ host: "127.0.0.1", port: Number(valkeyPort) }],
    });
    return new ValkeyStore({ client, prefix: "e2e:" });
  }
  const { createClient } = await import("redis");
  const { RedisStore } = await import("connect-redis");
  const client = createClient({ socket: { host: "127.0.0.1", port: Number(valkeyPort) } });
  await client.connect();
  return new RedisStore({ client, prefix: "e2e:" });
}

const app = express();
app.use(session({
  store: await makeStore(),
  secret: "bench secret",
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: 3_600_000 },
}));
app.post("/login", (req, res) => {
  (req.session as unknown as Record<string, unknown>).user = "bench";
  (req.session as unknown as Record<string, unknown>).views = 0;
  (req.session as unknown as Record<string, unknown>).profile = {
    bio: "b".repeat(600),
    tags: ["a", "b", "c"],
  };
  res.json({ ok: true });
});
// Read-only: the session is loaded and touched, not rewritten.
app.get("/read", (req, res) => {
  res.json({ user: (req.session as unknown as Record<string, unknown>).user ?? null });
});
// Writing: the session changes, so it is saved.
app.get("/write", (req, res) => {
  const data = req.session as unknown as Record<string, number>;
  data.views = (data.views ?? 0) + 1;
  res.json({ views: data.views });
});
const server = createServer(app).listen(0, "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});
