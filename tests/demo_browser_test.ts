/**
 * The README's demo page in a real browser (Debian's Chromium driven by
 * playwright-core): log in, the counter survives reloads, logout ends the
 * session; a user signed in on two browsers signs the other one out.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { GlideClient } from "@valkey/valkey-glide";
import { type Browser, chromium } from "playwright-core";
import { ValkeyStore } from "../mod.ts";
import { createDemoServer, demoUserId } from "../examples/demo.ts";
import { standaloneClient } from "./helpers/clients.ts";
import { listen } from "./helpers/http_client.ts";
import { startStandalone, type ValkeyDeployment } from "./helpers/valkey_servers.ts";

const CHROMIUM = "/usr/bin/chromium";

describe("the demo page in headless Chromium", () => {
  let valkey: ValkeyDeployment;
  let client: GlideClient;
  let browser: Browser;
  before(async () => {
    valkey = await startStandalone();
    client = await standaloneClient(valkey);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  after(async () => {
    await browser?.close();
    client?.close();
    await valkey?.stop();
  });

  it("logging in, reloading and logging out behave as a person expects", async () => {
    const store = new ValkeyStore({ client, prefix: "demo:", userId: demoUserId });
    const server = await listen(createDemoServer(store));
    const page = await browser.newPage();
    try {
      await page.goto(server.url + "/");
      await page.fill("#name", "Zoë");
      // Each click below loads a new page: wait for it before reading it.
      await Promise.all([page.waitForNavigation(), page.click("#login")]);
      await page.waitForSelector("#user", { timeout: 10_000 }).catch(async () => {
        throw new Error(`after logging in the page shows: ${(await page.content()).slice(0, 600)}`);
      });
      assert.equal(await page.textContent("#user"), "Zoë");
      assert.equal(await page.textContent("#views"), "1");
      await page.reload();
      assert.equal(await page.textContent("#views"), "2");
      await Promise.all([page.waitForNavigation(), page.click("#reload")]);
      assert.equal(await page.textContent("#views"), "3");
      const [sid] = await store.ids();
      assert.ok(sid, "no session in Valkey");
      assert.equal((await store.get(sid))?.views, 3);
      assert.equal(await page.textContent("#device-count"), "1");
      await Promise.all([page.waitForNavigation(), page.click("#logout")]);
      assert.equal(
        await page.locator("#login").count(),
        1,
        "the login form is not shown after logout",
      );
      assert.equal(await client.customCommand(["GET", "demo:" + sid]), "", "no logout mark");
      assert.equal(await store.length(), 0);
      await page.reload();
      assert.equal(
        await page.locator("#views").count(),
        0,
        "a reload after logout still shows the session",
      );
    } finally {
      await page.close();
      await server.close();
    }
  });

  it("signed in on two browsers, one signs the other out; the other sees it on its next page load", async () => {
    const store = new ValkeyStore({ client, prefix: "demo2:", userId: demoUserId });
    const server = await listen(createDemoServer(store));
    const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
    try {
      const [laptop, phone] = await Promise.all(contexts.map((context) => context.newPage()));
      for (const page of [laptop!, phone!]) {
        await page.goto(server.url + "/");
        await page.fill("#name", "Ada");
        await Promise.all([page.waitForNavigation(), page.click("#login")]);
        await page.waitForSelector("#user", { timeout: 10_000 });
      }
      await laptop!.reload();
      assert.equal(await laptop!.textContent("#device-count"), "2");
      assert.equal(await laptop!.locator(".this-device").count(), 1);
      await Promise.all([laptop!.waitForNavigation(), laptop!.click("#sign-out-others")]);
      assert.equal(await laptop!.textContent("#device-count"), "1");
      assert.equal(await laptop!.textContent("#user"), "Ada");
      await phone!.reload();
      assert.equal(
        await phone!.locator("#login").count(),
        1,
        "the other browser is still signed in",
      );
      assert.equal(await phone!.locator("#user").count(), 0);
      assert.equal((await store.userSessions("Ada")).length, 1);
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
      await server.close();
    }
  });
});
