/**
 * Key naming: session keys, the SCAN MATCH pattern of a prefix, and the
 * "destroyed" marker keys that keep a logout final.
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
 * The marker key that `destroy()` writes so a `set()` still in flight cannot
 * bring the session back. Its hash tag is chosen so that it lives in the
 * same cluster slot as the session key (one Lua script can then check it
 * atomically), and it starts with a NUL byte so it never matches a prefix
 * pattern: `clear/length/ids/all` never see it.
 */
export function destroyedMarkerKey(key: string): string {
  return `\u0000connect-valkey:destroyed:{${tagForSlot(hashSlot(key))}}${key}`;
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

let slotTags: string[] | undefined;

/** A short string whose hash slot is `slot`; built once, on first use (~160k CRCs). */
export function tagForSlot(slot: number): string {
  if (slotTags === undefined) {
    const tags: string[] = new Array(16_384);
    let missing = 16_384;
    for (let n = 0; missing > 0; n++) {
      const tag = n.toString(36);
      const s = hashSlot(tag);
      if (tags[s] === undefined) {
        tags[s] = tag;
        missing--;
      }
    }
    slotTags = tags;
  }
  return slotTags[slot]!;
}
