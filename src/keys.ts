/**
 * Key naming: every key the store writes is under its prefix. A session is
 * `prefix + id` (a hash in the current layout, a JSON string in the 1.0.x
 * layout, a set while a logout mark lasts: see `logout_mark.ts`); a user's
 * session index is `prefix + "user-index:" + userId`. Also: the SCAN MATCH
 * pattern of a prefix, and the cluster hash slot of a key.
 *
 * @module
 */

/** The Valkey key of a session. */
export function sessionKey(prefix: string, sessionId: string): string {
  return prefix + sessionId;
}

/**
 * A SCAN MATCH pattern for every key that starts with `prefix`: the glob
 * characters `* ? [ ] \` of the prefix are escaped, so a prefix such as
 * `"a*:"` never matches another prefix's keys.
 */
export function prefixPattern(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, "\\$&") + "*";
}

/**
 * The key of a user's session index (see `user_index.ts`): under the store's
 * prefix, so a prefix-scoped ACL user can use it. It is a sorted set, so
 * scans for sessions (`TYPE hash` and `TYPE string`) never see it.
 */
export function userIndexKey(prefix: string, userId: string): string {
  return `${prefix}user-index:${userId}`;
}

const encoder = new TextEncoder();

/** The cluster hash slot of a key (CRC16/XMODEM of its hash tag, mod 16384). */
export function hashSlot(key: string): number {
  const bytes = encoder.encode(key);
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b); // "{"
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // "}"
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc & 0x3fff;
}

const CRC16_TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[i] = crc;
  }
  return table;
})();
