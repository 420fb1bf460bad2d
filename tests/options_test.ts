/** Invalid options throw at construction with a message naming the option and the value. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore, type ValkeyStoreOptions } from "../mod.ts";
import { standaloneSuite } from "./helpers/suite.ts";

describe("options", () => {
  const env = standaloneSuite();

  const cases: Array<
    [string, () => Record<string, unknown>, typeof TypeError | typeof RangeError, string]
  > = [
    [
      "no client",
      () => ({ client: undefined }),
      TypeError,
      '"client" must be a GlideClient or GlideClusterClient, received undefined',
    ],
    [
      "a client that is not a GLIDE client",
      () => ({ client: { get() {} } }),
      TypeError,
      '"client" must be a GlideClient or GlideClusterClient, received an object',
    ],
    [
      "a negative ttl",
      () => ({ client: env.client, ttl: -1 }),
      RangeError,
      '"ttl" must be a positive number of seconds, received -1',
    ],
    [
      "a zero ttl",
      () => ({ client: env.client, ttl: 0 }),
      RangeError,
      '"ttl" must be a positive number of seconds, received 0',
    ],
    [
      "a NaN ttl",
      () => ({ client: env.client, ttl: Number.NaN }),
      RangeError,
      '"ttl" must be a positive number of seconds, received NaN',
    ],
    [
      "an infinite ttl",
      () => ({ client: env.client, ttl: Infinity }),
      RangeError,
      '"ttl" must be a positive number of seconds, received Infinity',
    ],
    [
      "a string ttl",
      () => ({ client: env.client, ttl: "60" }),
      TypeError,
      '"ttl" must be a number of seconds or a function, received "60"',
    ],
    [
      "a non-string prefix",
      () => ({ client: env.client, prefix: 5 }),
      TypeError,
      '"prefix" must be a string, received 5',
    ],
    [
      "an empty prefix",
      () => ({ client: env.client, prefix: "" }),
      RangeError,
      '"prefix" must be a non-empty string',
    ],
    [
      "a scanCount below 1",
      () => ({ client: env.client, scanCount: 0 }),
      RangeError,
      '"scanCount" must be an integer of 1 or more, received 0',
    ],
    [
      "a fractional scanCount",
      () => ({ client: env.client, scanCount: 2.5 }),
      RangeError,
      '"scanCount" must be an integer of 1 or more, received 2.5',
    ],
    [
      "a serializer without parse",
      () => ({ client: env.client, serializer: { stringify: JSON.stringify } }),
      TypeError,
      '"serializer" must be an object with parse and stringify functions, received an object',
    ],
    [
      "a non-boolean disableTouch",
      () => ({ client: env.client, disableTouch: "yes" }),
      TypeError,
      '"disableTouch" must be a boolean, received "yes"',
    ],
    [
      "a negative touchAfter",
      () => ({ client: env.client, touchAfter: -5 }),
      RangeError,
      '"touchAfter" must be 0 or a positive number of seconds, received -5',
    ],
    [
      "a misspelt option",
      () => ({ client: env.client, ttL: 5 }),
      TypeError,
      'unknown option "ttL"',
    ],
  ];
  for (const [what, options, kind, message] of cases) {
    it(`${what} throws a ${kind.name} that names the option`, () => {
      assert.throws(
        () => new ValkeyStore(options() as unknown as ValkeyStoreOptions),
        (error: unknown) => {
          assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
          assert.ok(
            (error as Error).message.startsWith("Cannot create ValkeyStore: "),
            (error as Error).message,
          );
          assert.ok((error as Error).message.includes(message), (error as Error).message);
          return true;
        },
      );
    });
  }

  it("no options at all throws a TypeError", () => {
    assert.throws(() => new ValkeyStore(undefined as unknown as ValkeyStoreOptions), TypeError);
  });

  it("defaults are prefix sess: and a one-day ttl", async () => {
    const store = new ValkeyStore({ client: env.client });
    assert.equal(store.prefix, "sess:");
    await store.set("defaults", { cookie: {}, a: 1 });
    const pttl = Number(await env.client.customCommand(["PTTL", "sess:defaults"]));
    assert.ok(pttl > 86_399_000 && pttl <= 86_400_000, `pttl ${pttl}`);
    await store.destroy("defaults");
  });
});
