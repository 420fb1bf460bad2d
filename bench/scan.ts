/**
 * `length()`, `all()`, `sessionPages()` and `clear()` over 100k and 1M
 * sessions: time, and peak RSS growth above the level before each call
 * (sampled every 10 ms). Run under Node from the npm build with
 * --expose-gc so each measurement starts from a collected heap.
 *
 * Usage: node --expose-gc npm/esm/bench/scan.js [--sizes 100000,1000000]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Batch, GlideClient, Logger } from "@valkey/valkey-glide";
import { ValkeyStore } from "../mod.ts";
import { startStandalone } from "../tests/helpers/valkey_servers.ts";

Logger.init("error");
const args = process.argv.slice(2);
const sizes = (args.includes("--sizes") ? args[args.indexOf("--sizes") + 1]! : "100000,1000000")
  .split(",").map(Number);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function measure<T>(
  work: () => Promise<T>,
): Promise<{ ms: number; peakMb: number; result: T }> {
  gc();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { ms: Math.round(ms), peakMb: Math.round((peak - base) / 1048576), result };
}

const valkey = await startStandalone();
const client = await GlideClient.createClient({
  addresses: [{ host: "127.0.0.1", port: valkey.nodes[0]!.port }],
});
const store = new ValkeyStore({ client, prefix: "scan:" });
const value = JSON.stringify({
  cookie: { originalMaxAge: 86_400_000, expires: new Date(Date.now() + 86_400_000).toISOString() },
  user: "u",
  data: "d".repeat(100),
});
const rows: string[] = [];
const report: Record<string, unknown> = {};
try {
  for (const size of sizes) {
    for (let i = 0; i < size; i += 1000) {
      const batch = new Batch(false);
      for (let n = i; n < Math.min(size, i + 1000); n++) {
        batch.customCommand(["SET", `scan:s${n}`, value, "EX", "86400"]);
      }
      await client.exec(batch, true);
    }
    const length = await measure(() => store.length());
    if (length.result !== size) throw new Error(`length() said ${length.result}, expected ${size}`);
    const all = await measure(async () => (await store.all()).length);
    const pages = await measure(async () => {
      let count = 0;
      for await (const page of store.sessionPages()) count += page.length;
      return count;
    });
    const clear = await measure(() => store.clear());
    if ((await store.length()) !== 0) throw new Error("clear() left sessions behind");
    report[size] = { length, all, pages, clear };
    rows.push(
      `| ${
        size.toLocaleString("en")
      } | ${length.ms} ms / ${length.peakMb} MB | ${all.ms} ms / ${all.peakMb} MB | ${pages.ms} ms / ${pages.peakMb} MB | ${clear.ms} ms / ${clear.peakMb} MB |`,
    );
    console.error(`measured ${size}`);
  }
} finally {
  client.close();
  await valkey.stop();
}
console.log(
  [
    "scans over N sessions of ~250 bytes: time / peak RSS growth",
    "",
    "| sessions | length() | all() | sessionPages() | clear() |",
    "|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n"),
);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/scan_node.json", JSON.stringify(report, null, 2));
process.exit(0);
