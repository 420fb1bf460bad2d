/**
 * Fastify 5 with @fastify/session. express-session is not needed: the store
 * only loads it when express-session attaches to it. Run it with
 * `deno run -A examples/fastify_app.ts` against a Valkey on 127.0.0.1:6379.
 */
import fastifyCookie from "@fastify/cookie";
import fastifySession from "@fastify/session";
import { GlideClient } from "@valkey/valkey-glide";
import Fastify, { type FastifyInstance } from "fastify";
import { ValkeyStore } from "../mod.ts";

/** Builds a Fastify app whose session counts page views. */
export async function createFastifyApp(store: ValkeyStore): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: "an example secret of at least thirty-two characters",
    store: store as unknown as fastifySession.SessionStore,
    saveUninitialized: false,
    cookie: { secure: false, maxAge: 3_600_000 },
  });
  app.post("/login", async (request) => {
    await request.session.regenerate();
    request.session.set("user" as never, "ada" as never);
    request.session.set("views" as never, 0 as never);
    return { user: "ada", id: request.session.sessionId };
  });
  app.get("/count", (request, reply) => {
    const user = request.session.get("user" as never);
    if (!user) return reply.code(401).send({ error: "not logged in" });
    const views = Number(request.session.get("views" as never) ?? 0) + 1;
    request.session.set("views" as never, views as never);
    return reply.send({ user, views, id: request.session.sessionId });
  });
  app.post("/logout", async (request) => {
    await request.session.destroy();
    return { ok: true };
  });
  return app;
}

if (import.meta.main) {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: 6379 }] });
  const app = await createFastifyApp(new ValkeyStore({ client }));
  await app.listen({ port: 3000, host: "127.0.0.1" });
  console.log("http://127.0.0.1:3000");
}
