/** Key naming: prefix patterns, hash slots and the logout marker's slot. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { destroyedMarkerKey, hashSlot, prefixPattern } from "../src/keys.ts";

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

  it("the logout marker of a key lives in the same slot as the key", () => {
    for (const key of ["sess:abc", "sess:{tag}x", "s}ess:a{b", "sess:ünï-🎉", "a*:?"]) {
      const marker = destroyedMarkerKey(key);
      assert.equal(hashSlot(marker), hashSlot(key), key);
      assert.ok(marker.startsWith("\u0000"), "the marker must never match a prefix pattern");
    }
  });
});
