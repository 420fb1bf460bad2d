/// <reference path="./autocannon.d.ts" />
/**
 * End-to-end requests/s and CPU per request of an Express 5 + express-session
 * app, for this store, connect-redis 9 + node-redis 5, connect-valkey 1.0.1,
 * the string-per-session probe (`shared/bench/string_probe.mjs`, when there)
 * and express-session's MemoryStore (the ceiling: no network at all). Each
 * app runs in its own child process; autocannon, in this process, drives 50
 * connections with cookies from a pool of 200 pre-made ~1 KB sessions, on a
 * read route (session loaded, nothing changed: get + touch) and a write
 * route (one field changed: get + set). Per request: the app's CPU (its
 * process's utime + stime from /proc, GLIDE's threads included) and the
 * valkey-server's (`INFO cpu`). Stores are interleaved within a run; each
 * figure is the median of `--runs` runs. Run under Node from the npm build.
 *
 * Usage: node npm/esm/bench/e2e.js [--seconds 5] [--runs 3] [--warmup 1]
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import autocannon, { type Result } from "autocannon";
import { startStandalone } from "../tests/helpers/valkey_servers.ts";
import { CpuMeter } from "./cpu_meter.ts";
import { PROBE_PATH } from "./peers.ts";

const args = process.argv.slice(2);
const flag = (
  name: string,
  fallback: string,
) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const seconds = Number(flag("--seconds", "5"));
const runs = Number(flag("--runs", "3"));
const warmup = Number(flag("--warmup", "1"));
const POOL = 200;
const STORES = ["this", "connect-redis", "connect-valkey-1", "probe", "memory"].filter((kind) =>
  kind !== "probe" || existsSync(PROBE_PATH)
);
const NAMES: Record<string, string> = {
  "this": "this store",
  "connect-redis": "connect-redis 9",
  "connect-valkey-1": "connect-valkey 1.0.1",
  "probe": "probe",
  "memory": "MemoryStore",
};
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU µs a process has used so far (utime + stime of /proc/<pid>/stat, all its threads). */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after ") ".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / TICKS_PER_SECOND);
}
const ROUTES = ["/read", "/write"] as const;

async function startServer(kind: string, valkeyPort: number) {
  const script = fileURLToPath(new URL("./e2e_server.js", import.meta.url));
  const child = spawn(process.execPath, [script, kind, String(valkeyPort)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(String(chunk));
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { port, pid: child.pid!, stop: () => child.kill("SIGKILL") };
}

async function cookiePool(port: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < POOL; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/login`, { method: "POST" });
    cookies.push(response.headers.getSetCookie()[0]!.split(";")[0]!);
  }
  return cookies;
}

function load(
  port: number,
  path: string,
  cookies: string[],
  duration: number,
): Promise<{ rps: number; requests: number; errors: number; non2xx: number }> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: 50,
        duration,
        requests: [{
          method: "GET",
          path,
          setupRequest: (request: { headers?: Record<string, string> }) => {
            request.headers = { ...request.headers, cookie: cookies[next++ % cookies.length]! };
            return request;
          },
        }],
      },
      (error: unknown, result: Result) => {
        if (error) return reject(error);
        // Total over elapsed time: autocannon's per-second average is empty for runs under 1 s.
        resolve({
          rps: result.requests.total / result.duration,
          requests: result.requests.total,
          errors: result.errors,
          non2xx: result.non2xx,
        });
      },
    );
  });
}

const valkey = await startStandalone();
const meter = await CpuMeter.open(valkey.nodes[0]!.port);
/** A figure: requests/s, app CPU µs and Valkey CPU µs per request. */
interface Figure {
  rps: number;
  appUs: number;
  valkeyUs: number;
}
const results: Record<string, Record<string, Figure>> = {};
/** "store route" → the figures of each run. */
const samples = new Map<string, Figure[]>();
const servers: Array<
  { kind: string; port: number; pid: number; stop: () => void; cookies: string[] }
> = [];
try {
  for (const kind of STORES) {
    const server = await startServer(kind, valkey.nodes[0]!.port);
    servers.push({ kind, ...server, cookies: await cookiePool(server.port) });
  }
  // Warm up every server, then interleave the runs so machine noise hits each store alike.
  for (const server of servers) {
    for (const route of ROUTES) await load(server.port, route, server.cookies, warmup);
  }
  for (let r = 0; r < runs; r++) {
    for (const route of ROUTES) {
      // Rotate the order so no store always runs first.
      for (let s = 0; s < servers.length; s++) {
        const server = servers[(s + r) % servers.length]!;
        const appBefore = processCpuUs(server.pid);
        const valkeyBefore = (await meter.read()).valkeyUs;
        const { rps, requests, errors, non2xx } = await load(
          server.port,
          route,
          server.cookies,
          seconds,
        );
        const appUs = (processCpuUs(server.pid) - appBefore) / requests;
        const valkeyUs = ((await meter.read()).valkeyUs - valkeyBefore) / requests;
        if (errors > 0 || non2xx > 0) {
          throw new Error(`${server.kind} ${route}: ${errors} errors, ${non2xx} non-2xx`);
        }
        const key = `${server.kind} ${route}`;
        samples.set(key, [...(samples.get(key) ?? []), { rps, appUs, valkeyUs }]);
      }
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  for (const kind of STORES) {
    results[kind] = {};
    for (const route of ROUTES) {
      const list = samples.get(`${kind} ${route}`)!;
      results[kind]![route] = {
        rps: Math.round(median(list.map((f) => f.rps))),
        appUs: median(list.map((f) => f.appUs)),
        valkeyUs: median(list.map((f) => f.valkeyUs)),
      };
    }
  }
} finally {
  for (const server of servers) server.stop();
  meter.close();
  await valkey.stop();
}

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "–");
const lines = [
  `end-to-end Express 5 + express-session, 50 connections, ${POOL} sessions of ~1 KB ` +
  `(median of ${runs} run${runs === 1 ? "" : "s"} of ${seconds} s, stores interleaved; ` +
  `/read = get + touch, /write = get + set). app µs = the server process's CPU per request ` +
  "(/proc utime + stime); Valkey µs = the valkey-server's CPU per request (`INFO cpu`).",
  "",
  "| route | store | requests/s | app CPU µs/request | Valkey CPU µs/request | this/store requests/s | this/store app CPU | this/store Valkey CPU |",
  "|---|---|---:|---:|---:|---:|---:|---:|",
];
for (const route of ROUTES) {
  const mine = results.this![route]!;
  for (const kind of STORES) {
    const figure = results[kind]![route]!;
    const own = kind === "this";
    lines.push(
      `| ${route} | ${NAMES[kind]} | ${figure.rps} | ${figure.appUs.toFixed(0)} | ${
        kind === "memory" ? "–" : figure.valkeyUs.toFixed(1)
      } | ${own ? "" : ratio(mine.rps, figure.rps)} | ${
        own ? "" : ratio(mine.appUs, figure.appUs)
      } | ${own || kind === "memory" ? "" : ratio(mine.valkeyUs, figure.valkeyUs)} |`,
    );
  }
}
const table = lines.join("\n");
console.log(table);
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/e2e_node.md", table + "\n");
writeFileSync(
  "bench/results/e2e_node.json",
  JSON.stringify({ runs, seconds, results, samples: Object.fromEntries(samples) }, null, 2),
);
process.exit(0);
