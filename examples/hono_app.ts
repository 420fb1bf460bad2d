/**
 * Hono with the official `@hono/session` middleware, its sessions kept in
 * Valkey through `honoSessionStorage`. Runs under Deno, Bun and Node:
 * `deno run -A examples/hono_app.ts` or `bun examples/hono_app.ts`.
 */
import { type SessionEnv, useSession, useSessionStorage } from "@hono/session";
import { GlideClient } from "@valkey/valkey-glide";
import { Hono } from "hono";
import { honoSessionStorage, ValkeyStore } from "../mod.ts";

type Data = { user?: string; views?: number };

/** A 32-byte hex secret for the example; use your own (AUTH_SECRET) in an app. */
const EXAMPLE_SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/** Builds a Hono app whose session counts page views. */
export function createHonoApp(store: ValkeyStore): Hono<SessionEnv<Data>> {
  const app = new Hono<SessionEnv<Data>>();
  app.use(
    useSessionStorage(honoSessionStorage<Data>(store)),
    useSession<Data>({ secret: EXAMPLE_SECRET }),
  );
  app.post("/login", async (c) => {
    await c.var.session.update({ user: "ada", views: 0 });
    return c.json({ user: "ada", id: c.var.session.id });
  });
  app.get("/count", async (c) => {
    const data = await c.var.session.get();
    if (!data?.user) return c.json({ error: "not logged in" }, 401);
    const views = (data.views ?? 0) + 1;
    await c.var.session.update({ ...data, views });
    return c.json({ user: data.user, views, id: c.var.session.id });
  });
  app.post("/logout", async (c) => {
    // @hono/session deletes the stored data only for a session loaded in this request.
    await c.var.session.get();
    c.var.session.delete();
    return c.json({ ok: true });
  });
  return app;
}

if (import.meta.main) {
  const { serve } = await import("@hono/node-server");
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: 6379 }] });
  const app = createHonoApp(new ValkeyStore({ client, ttl: 3600 }));
  serve(
    { fetch: app.fetch, port: 3000, hostname: "127.0.0.1" },
    () => console.log("http://127.0.0.1:3000"),
  );
}
