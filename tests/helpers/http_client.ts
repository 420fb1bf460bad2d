/** A tiny HTTP client with a cookie jar, for driving real framework servers. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

export class CookieClient {
  readonly #base: string;
  readonly #jar: Map<string, string>;
  constructor(base: string, jar: Map<string, string> = new Map()) {
    this.#base = base;
    this.#jar = jar;
  }

  /** The same browser (one cookie jar) talking to another server: a balancer's other backend. */
  withBase(base: string): CookieClient {
    return new CookieClient(base, this.#jar);
  }

  /** The value of a cookie the server set (URL-decoded). */
  cookie(name: string): string | undefined {
    const value = this.#jar.get(name);
    return value === undefined ? undefined : decodeURIComponent(value);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; text: string }> {
    const headers: Record<string, string> = {};
    if (this.#jar.size > 0) headers.cookie = [...this.#jar].map(([k, v]) => `${k}=${v}`).join("; ");
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(this.#base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") this.#jar.delete(name);
      else this.#jar.set(name, value);
    }
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, json, text };
  }
}

/** Listens on a free loopback port; returns the base URL and a close function. */
export async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
