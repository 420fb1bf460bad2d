/** Merge planning, without a server: what a request changed, and re-applying it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyDelta,
  diffSession,
  isEmptyDelta,
  onlyCookieExpiryChanged,
} from "../src/_session_delta.ts";

const stringify = (value: unknown) => JSON.stringify(value);

describe("session delta", () => {
  it("finds changed, added and deleted top-level keys, comparing serialized values", () => {
    const before = { cookie: { expires: "a" }, user: "ada", cart: [1], flash: "hi" };
    const after = { cookie: { expires: "b" }, user: "ada", cart: [1, 2], theme: "dark" };
    assert.deepEqual(diffSession(before, after, stringify), {
      changed: ["cookie", "cart", "theme"],
      deleted: ["flash"],
    });
  });

  it("an unchanged session has an empty delta", () => {
    const session = { cookie: {}, nested: { deep: [1, { x: true }] } };
    const delta = diffSession(structuredClone(session), session, stringify);
    assert.equal(isEmptyDelta(delta), true);
  });

  it("re-applying a delta keeps what others wrote and the request's own changes win", () => {
    const loaded = { cookie: { expires: "1" }, a: 0, b: 0, gone: 1 };
    const mine = { cookie: { expires: "2" }, a: 1, b: 0 };
    const delta = diffSession(loaded, mine, stringify);
    const stored = { cookie: { expires: "1" }, a: 0, b: 5, gone: 1, other: "x" };
    assert.deepEqual(applyDelta(stored, delta, mine), {
      cookie: { expires: "2" },
      a: 1,
      b: 5,
      other: "x",
    });
  });

  it("tells a save that moved only cookie.expires from one that changed more", () => {
    const before = { cookie: { expires: "a", path: "/" }, user: "ada" };
    const moved = { cookie: { expires: "b", path: "/" }, user: "ada" };
    const more = { cookie: { expires: "b", path: "/x" }, user: "ada" };
    const viaJson = {
      cookie: { toJSON: () => ({ expires: "c", path: "/" }) } as never,
      user: "ada",
    };
    for (const [after, expected] of [[moved, true], [more, false], [viaJson, true]] as const) {
      const delta = diffSession(before, after, stringify);
      assert.equal(onlyCookieExpiryChanged(delta, before, after, stringify), expected);
    }
    const alsoUser = { ...moved, user: "bob" };
    const delta = diffSession(before, alsoUser, stringify);
    assert.equal(onlyCookieExpiryChanged(delta, before, alsoUser, stringify), false);
  });
});
