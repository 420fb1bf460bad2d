/**
 * Store operations per subject and per number of callers (closed loop): ops/s,
 * app CPU µs per call (`process.cpuUsage()`, GLIDE's Rust threads included)
 * and Valkey CPU µs per call (`INFO cpu` of the valkey-server), on one local
 * valkey-server started for the run. Subjects are interleaved within a run;
 * each figure is the median of `--runs` runs. Prints Markdown tables and
 * writes them, with JSON of every sample, to bench/results/.
 *
 * Ops: `get`; `set` (a new session, as express-session saves one it
 * generated); `replace` (a plain object over a stored session, as a
 * framework that does not load through the store hands one over); `touch`;
 * `request` (get then touch; µs per request); `save` (a session loaded as
 * express-session loads it, one field changed, then `set`: a
 * compare-and-set merge for this store, a whole `set` for peers);
 * `set+userId` (this store built with the `userId` option; "n/a" while the
 * store has no such option).
 *
 * Subjects: this store, connect-redis 9, connect-valkey 1.0.1, the raw-GLIDE
 * floor, and the string-per-session probe of `shared/bench/string_probe.mjs`.
 *
 * Usage: <runtime> bench/store_ops.ts [--peers | --subjects this,floor] [--seconds 1] [--runs 3]
 *        [--callers 1,16,64,256] [--ops get,set,…] [--warmup 0.2] [--label "Node v22"]
 *
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { Logger } from "@valkey/valkey-glide";
import { startStandalone } from "../tests/helpers/valkey_servers.ts";
import { CpuMeter } from "./cpu_meter.ts";
import { POOL, SAVE_FIELD, session, sid } from "./fixture.ts";
import { MAX_BATCH, MAX_IN_FLIGHT } from "./floor.ts";
import {
  connectRedis,
  connectValkey101,
  floor,
  probe,
  PROBE_PATH,
  type Subject,
  type SubjectMaker,
  thisStore,
} from "./peers.ts";

Logger.init("error");

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1]!;
};
const list = (text: string) => text.split(",").map((item) => item.trim()).filter(Boolean);

const MAKERS: Record<string, SubjectMaker> = {
  "this": thisStore,
  "connect-valkey-1": connectValkey101,
  "connect-redis": connectRedis,
  "floor": floor,
  "probe": probe,
};
const OPS = ["get", "set", "replace", "touch", "request", "save", "set+userId"] as const;
type Op = typeof OPS[number];

// In MAKERS' order: this store first, as the ratios are of its figures.
// --peers: every subject, the probe only where shared/ is beside the repository.
const wanted = args.includes("--peers")
  ? Object.keys(MAKERS).filter((key) => key !== "probe" || existsSync(PROBE_PATH))
  : list(flag("--subjects", "this"));
const subjectKeys = Object.keys(MAKERS).filter((key) => wanted.includes(key));
const seconds = Number(flag("--seconds", "1"));
const runs = Number(flag("--runs", "3"));
const warmup = Number(flag("--warmup", String(Math.min(0.2, seconds))));
const callersList = list(flag("--callers", "1,16,64,256")).map(Number);
const ops = list(flag("--ops", OPS.join(","))) as Op[];
const label = flag("--label", "node");
/** Sessions loaded up front for `save`; each caller count in use should divide it. */
const LOADED = 1024;

if (!wanted.includes("this")) throw new Error(`--subjects must include "this"`);
for (const key of wanted) {
  if (!(key in MAKERS)) {
    throw new Error(`unknown subject "${key}", expected one of ${Object.keys(MAKERS)}`);
  }
}
for (const op of ops) if (!OPS.includes(op)) throw new Error(`unknown op "${op}"`);

/** Pool entry used by call `i`: spread over the pool. */
const pick = (i: number) => (i * 7919) % POOL;
const sessions = Array.from({ length: POOL }, (_, n) => session(n));
const loadedIds = Array.from({ length: LOADED }, (_, k) => sid(pick(k)));

/** One measured window, per call. */
interface Sample {
  opsPerSec: number;
  appUs: number;
  valkeyUs: number;
}

interface Prepared {
  subject: Subject;
  /** What `load` returned for each of `loadedIds`. */
  loaded: Record<string, unknown>[];
}

/** The call behind `op` for `subject`, or `undefined` when the subject has no such op. */
function callFor(
  { subject, loaded }: Prepared,
  op: Op,
): ((i: number) => Promise<unknown>) | undefined {
  switch (op) {
    case "get":
      return (i) => subject.get(sid(pick(i)));
    case "set":
      // A new object each time: for this store, one express-session generated.
      return (i) => subject.set(sid(pick(i)), { ...sessions[pick(i)]! });
    case "replace":
      // A new object over a stored session, as @fastify/session hands one over.
      return (i) => subject.replace(sid(pick(i)), { ...sessions[pick(i)]! });
    case "touch":
      return (i) => subject.touch(sid(pick(i)), sessions[pick(i)]!);
    case "request":
      return async (i) => {
        const n = pick(i);
        await subject.get(sid(n));
        await subject.touch(sid(n), sessions[n]!);
      };
    case "save":
      return (i) => {
        const at = i % LOADED;
        const target = loaded[at]!;
        target[SAVE_FIELD] = i;
        return subject.save(loadedIds[at]!, target);
      };
    case "set+userId": {
      const setWithUserId = subject.setWithUserId;
      return setWithUserId && ((i) => setWithUserId(sid(pick(i)), { ...sessions[pick(i)]! }));
    }
  }
}

async function measure(
  call: (i: number) => Promise<unknown>,
  callers: number,
  duration: number,
  meter: CpuMeter,
): Promise<Sample> {
  let calls = 0;
  let failed = 0;
  let firstError: unknown;
  const before = await meter.read();
  const started = performance.now();
  const deadline = started + duration * 1000;
  const worker = async (w: number) => {
    for (let i = w; performance.now() < deadline; i += callers) {
      try {
        await call(i);
        calls++;
      } catch (error) {
        failed++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  const after = await meter.read();
  if (failed > 0) {
    throw new Error(`${failed} of ${calls + failed} calls failed`, { cause: firstError });
  }
  return {
    opsPerSec: calls / elapsed,
    appUs: (after.appUs - before.appUs) / calls,
    valkeyUs: (after.valkeyUs - before.valkeyUs) / calls,
  };
}

async function inChunks(count: number, work: (n: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - start) }, (_, k) => work(start + k)),
    );
  }
}

/** Connects a subject, seeds the pool through its own `set`, loads the sessions `save` changes. */
async function prepare(make: SubjectMaker, port: number): Promise<Prepared> {
  const subject = await make(port);
  await inChunks(POOL, (n) => subject.set(sid(n), sessions[n]!));
  const setWithUserId = subject.setWithUserId;
  if (setWithUserId) await inChunks(POOL, (n) => setWithUserId(sid(n), sessions[n]!));
  const loaded: Record<string, unknown>[] = [];
  await inChunks(LOADED, async (k) => (loaded[k] = await subject.load(loadedIds[k]!)));
  return { subject, loaded };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const server = await startStandalone();
const port = server.nodes[0]!.port;
const meter = await CpuMeter.open(port);
const prepared: Prepared[] = [];
/** subject name → "op@callers" → samples. */
const samples = new Map<string, Map<string, Sample[]>>();
try {
  for (const key of subjectKeys) {
    prepared.push(await prepare(MAKERS[key]!, port));
    console.error(`seeded ${prepared.at(-1)!.subject.name}`);
  }
  for (const entry of prepared) {
    samples.set(entry.subject.name, new Map());
    for (const op of ops) {
      const call = callFor(entry, op);
      if (call && warmup > 0) await measure(call, Math.max(...callersList), warmup, meter);
    }
  }
  for (let run = 0; run < runs; run++) {
    for (const op of ops) {
      for (const callers of callersList) {
        // Rotate the order so no subject always runs first (or right after another).
        for (let s = 0; s < prepared.length; s++) {
          const entry = prepared[(s + run) % prepared.length]!;
          const call = callFor(entry, op);
          if (call === undefined) continue;
          let sample: Sample;
          try {
            sample = await measure(call, callers, seconds, meter);
          } catch (error) {
            throw new Error(`${entry.subject.name} ${op}@${callers}: ${error}`, { cause: error });
          }
          const bySubject = samples.get(entry.subject.name)!;
          const key = `${op}@${callers}`;
          bySubject.set(key, [...(bySubject.get(key) ?? []), sample]);
        }
      }
    }
    console.error(`run ${run + 1}/${runs} done`);
  }
} finally {
  for (const entry of prepared) await entry.subject.close();
  meter.close();
  await server.stop();
}

/** subject name → "op@callers" → median of each figure. */
const results: Record<string, Record<string, Sample>> = {};
for (const [name, byKey] of samples) {
  results[name] = {};
  for (const [key, list] of byKey) {
    results[name]![key] = {
      opsPerSec: median(list.map((sample) => sample.opsPerSec)),
      appUs: median(list.map((sample) => sample.appUs)),
      valkeyUs: median(list.map((sample) => sample.valkeyUs)),
    };
  }
}

const names = prepared.map((entry) => entry.subject.name);
const mine = names[0]!;
const peers = ["connect-redis 9", "connect-valkey 1.0.1", "floor", "probe"].filter((name) =>
  names.includes(name)
);
const kilo = (value: number) =>
  value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : String(Math.round(value));
const figures = (sample: Sample | undefined) =>
  sample === undefined
    ? ["n/a", "n/a", "n/a"]
    : [kilo(sample.opsPerSec), sample.appUs.toFixed(1), sample.valkeyUs.toFixed(1)];
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "n/a" : `${(a / b).toFixed(2)}×`;
const markdown = (header: string[], rows: string[][]) => [
  `| ${header.join(" | ")} |`,
  `|${header.map((_, i) => (i < 2 ? "---|" : "---:|")).join("")}`,
  ...rows.map((row) => `| ${row.join(" | ")} |`),
];
const FIGURES = ["ops/s", "app µs/call", "Valkey µs/call"];
const redis = names.includes("connect-redis 9") ? "connect-redis 9" : undefined;

const lines = [
  `store ops on ${label} (median of ${runs} run${runs === 1 ? "" : "s"} of ${seconds} s ` +
  `per figure, subjects interleaved, ~1 KB sessions, ${POOL.toLocaleString("en")} per subject)`,
];
if (names.length === 1) {
  const rows = ops.flatMap((op) =>
    callersList.map((
      callers,
    ) => [op, String(callers), ...figures(results[mine]?.[`${op}@${callers}`])])
  );
  lines.push("", ...markdown(["op", "callers", ...FIGURES], rows));
} else {
  const header = [
    "callers",
    "store",
    ...FIGURES,
    ...peers.map((peer) => `this/${peer}`),
    ...(redis ? [`Valkey µs this/${redis}`] : []),
  ];
  for (const op of ops) {
    const rows: string[][] = [];
    for (const callers of callersList) {
      const key = `${op}@${callers}`;
      // set+userId has no counterpart in the others: its ratios are against their plain set.
      const otherKey = op === "set+userId" ? `set@${callers}` : key;
      const own = results[mine]?.[key];
      rows.push([
        String(callers),
        mine,
        ...figures(own),
        ...peers.map((peer) => ratio(own?.opsPerSec, results[peer]?.[otherKey]?.opsPerSec)),
        ...(redis ? [ratio(own?.valkeyUs, results[redis]?.[otherKey]?.valkeyUs)] : []),
      ]);
      if (op === "set+userId") continue;
      for (const name of names.slice(1)) {
        rows.push([
          String(callers),
          name,
          ...figures(results[name]?.[key]),
          ...header.slice(5).map(() => ""),
        ]);
      }
    }
    lines.push("", `**${op}**`, "", ...markdown(header, rows));
  }
}
const notes = [
  "app µs = `process.cpuUsage()` (user + system, GLIDE's Rust threads included) per call; " +
  "Valkey µs = `INFO cpu` (used_cpu_user + used_cpu_sys) of the valkey-server per call. " +
  "set = a new session each call, as express-session saves one it generated (this store: " +
  "SET … PXAT). replace = a plain object over a stored session (this store: SET … NX, then " +
  "its replace script). request = get then touch (µs per request). save = the store is given " +
  "the `Session` that `createSession` built from a loaded session, as express-session does, " +
  "with one field changed (this store: its compare-and-set script).",
];
if (ops.includes("set+userId")) {
  notes.push(
    "set+userId = this store built with the `userId` option" +
      (prepared[0]?.subject.setWithUserId ? "" : " (n/a: this version has no such option)") +
      (peers.length > 0 ? "; its ratios are against the others' plain set." : "."),
  );
}
if (names.includes("connect-redis 9")) notes.push("connect-redis 9 runs on node-redis 5.");
if (peers.length > 0) notes.push("The peers' save is a `set` of the whole session.");
if (names.includes("probe")) {
  notes.push(
    "probe = `shared/bench/string_probe.mjs`, a 40-line string-per-session hot path (GET + " +
      "parse, SET … PXAT, PEXPIREAT; no merge, marks, cluster or retries): what this store's " +
      "format costs without the store's guarantees.",
  );
}
if (names.includes("floor")) {
  notes.push(
    `The floor is raw GLIDE \`Batch(false)\` (≤ ${MAX_BATCH} commands, ≤ ${MAX_IN_FLIGHT} in ` +
      "flight, flushed on setImmediate) of the commands in bench/floor.ts, JSON included; " +
      "its get is GET + PEXPIRETIME + one JSON.parse, its touch PEXPIREAT … GT, its save the " +
      "compare-and-set script.",
  );
}
lines.push("", notes.join(" "));
const table = lines.join("\n");
console.log(table);

const tag = label.split(" ")[0]!.toLowerCase();
mkdirSync("bench/results", { recursive: true });
writeFileSync(`bench/results/store_ops_${tag}.md`, table + "\n");
writeFileSync(
  `bench/results/store_ops_${tag}.json`,
  JSON.stringify(
    {
      label,
      runs,
      seconds,
      callers: callersList,
      ops,
      results,
      samples: Object.fromEntries(
        [...samples].map(([name, byKey]) => [name, Object.fromEntries(byKey)]),
      ),
    },
    null,
    2,
  ),
);
process.exit(0);
