/**
 * Store operations per second at several concurrencies, for this store and
 * its peers, on one local valkey-server started for the run. Prints a table
 * and writes JSON to bench/results/.
 *
 * Usage: <runtime> bench/store_ops.ts [--peers] [--seconds 1] [--runs 3] [--label node]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { connectRedis, connectValkey101, rawGlide, type Subject, thisStore } from "./peers.ts";
import { startStandalone } from "../tests/helpers/valkey_servers.ts";
import { Logger } from "@valkey/valkey-glide";

Logger.init("error");

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1]!;
};
const withPeers = args.includes("--peers");
const seconds = Number(flag("--seconds", "1"));
const runs = Number(flag("--runs", "3"));
const label = flag("--label", "node");
const CONCURRENCY = [1, 16, 64, 256];
const POOL = 10_000;

/** A realistic ~1 KB session. */
function session(n: number): Record<string, unknown> {
  return {
    cookie: {
      originalMaxAge: 86_400_000,
      expires: new Date(Date.now() + 86_400_000).toISOString(),
      httpOnly: true,
      path: "/",
      secure: false,
    },
    user: { id: n, name: `user-${n}`, email: `user${n}@example.com`, roles: ["reader", "writer"] },
    csrf: "c".repeat(64),
    cart: Array.from(
      { length: 8 },
      (_, i) => ({ sku: `SKU-${n}-${i}`, qty: i + 1, price: 9.99 + i }),
    ),
    prefs: { theme: "dark", lang: "en-GB", tz: "Europe/Paris" },
    flash: "x".repeat(300),
  };
}

type Op = "set" | "get" | "touch" | "request";
const OPS: Op[] = ["set", "get", "touch", "request"];

async function measure(subject: Subject, op: Op, concurrency: number): Promise<number> {
  const sessions = Array.from({ length: 64 }, (_, n) => session(n));
  let done = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async (w: number) => {
    for (let i = w; performance.now() < deadline; i += concurrency) {
      const sid = `s${(i * 7919) % POOL}`;
      const sess = sessions[i % sessions.length]!;
      try {
        if (op === "set") await subject.set(sid, sess);
        else if (op === "get") await subject.get(sid);
        else if (op === "touch") await subject.touch(sid, sess);
        else {
          await subject.get(sid);
          await subject.touch(sid, sess);
        }
        done++;
      } catch {
        failed++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  if (failed > 0) throw new Error(`${subject.name} ${op}@${concurrency}: ${failed} calls failed`);
  return done / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const server = await startStandalone();
const port = server.nodes[0]!.port;
const makers = withPeers ? [thisStore, rawGlide, connectValkey101, connectRedis] : [thisStore];
const results: Record<string, Record<string, number>> = {};
try {
  const seed = await thisStore(port);
  for (let i = 0; i < POOL; i += 1000) {
    await Promise.all(
      Array.from({ length: 1000 }, (_, n) => seed.set(`s${i + n}`, session(i + n))),
    );
  }
  await seed.close();
  for (const make of makers) {
    const subject = await make(port);
    results[subject.name] = {};
    for (const op of OPS) {
      for (const concurrency of CONCURRENCY) {
        const samples: number[] = [];
        for (let r = 0; r < runs; r++) samples.push(await measure(subject, op, concurrency));
        results[subject.name]![`${op}@${concurrency}`] = Math.round(median(samples));
      }
    }
    await subject.close();
    console.error(`measured ${subject.name}`);
  }
} finally {
  await server.stop();
}

const names = Object.keys(results);
const lines = [
  `store ops/s on ${label} (median of ${runs} runs of ${seconds} s, ~1 KB sessions)`,
  "",
];
lines.push(
  `| op@callers | ${names.join(" | ")} |${
    names.length > 1 ? ` this/${names.slice(1).map((n) => n.split(" ")[0]).join(" | this/")} |` : ""
  }`,
);
lines.push(
  `|---|${names.map(() => "---:").join("|")}|${
    names.length > 1 ? names.slice(1).map(() => "---:").join("|") + "|" : ""
  }`,
);
for (const key of Object.keys(results[names[0]!]!)) {
  const mine = results[names[0]!]![key]!;
  const cells = names.map((name) => String(results[name]![key]));
  const ratios = names.slice(1).map((name) => (mine / results[name]![key]!).toFixed(2) + "×");
  lines.push(`| ${key} | ${cells.join(" | ")} |${ratios.length ? ` ${ratios.join(" | ")} |` : ""}`);
}
console.log(lines.join("\n"));
mkdirSync("bench/results", { recursive: true });
writeFileSync(
  `bench/results/store_ops_${label.split(" ")[0]!.toLowerCase()}.json`,
  JSON.stringify({ label, runs, seconds, results }, null, 2),
);
process.exit(0);
