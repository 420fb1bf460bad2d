/** The storage format, without a server: keys, encoding, logout marks, command shapes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashSlot } from "../src/_connection/hash_slot.ts";
import { StoreFailure } from "../src/_connection/failure.ts";
import {
  compareAndSetCommand,
  createCommand,
  decodeCompareAndSet,
  decodeSession,
  encodeSession,
  extendCommand,
  LOGOUT_MARK,
  markCommand,
  prefixPattern,
  readCommands,
  userIndexKey,
  writeCommand,
} from "../src/_format.ts";
import { DEFAULT_SERIALIZER } from "../src/serializer.ts";

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

  it("a user's index lives under the store's prefix", () => {
    assert.equal(userIndexKey("sess:", "42"), "sess:user-index:42");
  });
});

describe("encoding", () => {
  it("a session is the serializer's output for the whole session, as 1.0.x stores it", () => {
    const session = { cookie: { originalMaxAge: null }, user: "ada" };
    assert.equal(encodeSession(DEFAULT_SERIALIZER, session), JSON.stringify(session));
  });

  it("a serializer that throws or returns a non-string or an empty string is refused", () => {
    const throwing = {
      parse: JSON.parse,
      stringify: () => {
        throw new Error("boom");
      },
    };
    assert.throws(() => encodeSession(throwing, {}), /could not be serialized \(boom\)/);
    const empty = { parse: JSON.parse, stringify: () => "" };
    assert.throws(() => encodeSession(empty, {}), (error) => {
      assert.ok(error instanceof StoreFailure);
      assert.equal(error.code, "INVALID_SESSION");
      assert.match(error.message, /empty string/);
      return true;
    });
  });

  it("a logout mark and a stored null read as no session; junk fails naming the session", async () => {
    assert.equal(LOGOUT_MARK, "");
    assert.equal(await decodeSession(DEFAULT_SERIALIZER, LOGOUT_MARK), null);
    assert.equal(await decodeSession(DEFAULT_SERIALIZER, "null"), null);
    assert.deepEqual(await decodeSession(DEFAULT_SERIALIZER, '{"a":1}'), { a: 1 });
    for (const junk of ["hello", "[1,2]", "42"]) {
      await assert.rejects(
        async () => await decodeSession(DEFAULT_SERIALIZER, junk, "s1"),
        (error) => {
          assert.ok(error instanceof StoreFailure);
          assert.equal(error.code, "CORRUPT_SESSION");
          assert.equal(error.sessionId, "s1");
          return true;
        },
      );
    }
  });
});

describe("commands", () => {
  it("the hot path is plain commands, each write carrying its expiry", () => {
    assert.deepEqual(readCommands("k", true), [["GET", "k"], ["PEXPIRETIME", "k"]]);
    assert.deepEqual(readCommands("k", false), [["GET", "k"]]);
    assert.deepEqual(writeCommand("k", "v", 5), ["SET", "k", "v", "PXAT", "5"]);
    assert.deepEqual(writeCommand("k", "v", undefined), ["SET", "k", "v"]);
    assert.deepEqual(createCommand("k", "v", 5), ["SET", "k", "v", "NX", "PXAT", "5"]);
    assert.deepEqual(extendCommand("k", 5), ["PEXPIREAT", "k", "5", "GT"]);
    assert.deepEqual(markCommand("k", false), ["SET", "k", "", "PX", "600000"]);
    assert.deepEqual(markCommand("k", true).at(-1), "GET");
  });

  it("a compare-and-set names its key where cluster routing looks for it, and its reply decodes", () => {
    const command = compareAndSetCommand("sess:a", "old", "new", 9);
    assert.equal(command[0], "EVALSHA");
    assert.deepEqual(command.slice(2), ["1", "sess:a", "old", "new", "9"]);
    assert.deepEqual(decodeCompareAndSet(1), { kind: "written" });
    assert.deepEqual(decodeCompareAndSet(0), { kind: "marked" });
    assert.deepEqual(decodeCompareAndSet('{"a":2}'), { kind: "conflict", current: '{"a":2}' });
  });
});
