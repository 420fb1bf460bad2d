/** Key naming: prefix patterns, hash slots and field names. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashSlot, prefixPattern } from "../src/keys.ts";
import { fieldOfKey, keyOfField } from "../src/field_codec.ts";

describe("key naming", () => {
  it("glob characters of a prefix are escaped in the SCAN pattern", () => {
    assert.equal(prefixPattern("sess:"), "sess:*");
    assert.equal(prefixPattern("a*?[b]\\:"), "a\\*\\?\\[b\\]\\\\:*");
  });

  it("hash slots match the values Valkey documents", () => {
    // Values from CLUSTER KEYSLOT on a real server.
    assert.equal(hashSlot("foo"), 12182);
    assert.equal(hashSlot("{user1000}.following"), hashSlot("user1000"));
    assert.equal(hashSlot("{}x"), hashSlot("{}x"));
    assert.notEqual(hashSlot("{}x"), hashSlot("x"));
  });

  it("session keys map to hash fields and back, never onto the store's own fields", () => {
    for (const key of ["user", "cookie", "#v", "##v", "#", "", "a#b", "🎉"]) {
      const field = fieldOfKey(key);
      assert.equal(keyOfField(field), key, JSON.stringify(key));
    }
    assert.notEqual(fieldOfKey("#v"), "#v");
    assert.equal(keyOfField("#v"), undefined);
    assert.equal(keyOfField("#u"), undefined);
  });
});
