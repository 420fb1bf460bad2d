import { GlideClient, Batch, Logger } from "@valkey/valkey-glide";
Logger.init("error");
const port = Number(process.argv[2]);
const c = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });
const fields = {
  cookie: JSON.stringify({ originalMaxAge: 86400000, expires: new Date().toISOString(), httpOnly: true, path: "/", secure: false }),
  user: JSON.stringify({ id: 1, name: "user-1", email: "user1@example.com", roles: ["reader", "writer"] }),
  csrf: JSON.stringify("c".repeat(64)),
  cart: JSON.stringify(Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-1-${i}`, qty: i + 1, price: 9.99 + i }))),
  prefs: JSON.stringify({ theme: "dark", lang: "en-GB", tz: "Europe/Paris" }),
  flash: JSON.stringify("x".repeat(300)),
  views: "1",
  "#v": "2",
};
const whole = {}; for (const [k, v] of Object.entries(fields)) if (k[0] !== "#") whole[k] = JSON.parse(v);
for (let i = 0; i < 1000; i++) {
  await c.customCommand(["HSET", `h${i}`, ...Object.entries(fields).flat()]);
  await c.customCommand(["SET", `s${i}`, JSON.stringify(whole)]);
}
const load = async (body) => String(await c.customCommand(["SCRIPT", "LOAD", body]));
const shaFlat = await load("return redis.call('HGETALL', KEYS[1])");
const shaJsonArr = await load("return cjson.encode(redis.call('HGETALL', KEYS[1]))");
const shaObj = await load(`local a = redis.call('HGETALL', KEYS[1])
if #a == 0 then return false end
local out = {}
for i = 1, #a, 2 do
  local f = a[i]
  if string.byte(f, 1) ~= 35 then out[#out + 1] = cjson.encode(f) .. ':' .. a[i + 1] end
end
return '{' .. table.concat(out, ',') .. '}'`);
const variants = {
  HGETALL: (i) => ["HGETALL", `h${i}`],
  "EVALSHA flat": (i) => ["EVALSHA", shaFlat, "1", `h${i}`],
  "EVALSHA json array": (i) => ["EVALSHA", shaJsonArr, "1", `h${i}`],
  "EVALSHA json object": (i) => ["EVALSHA", shaObj, "1", `h${i}`],
  HVALS: (i) => ["HVALS", `h${i}`],
  GET: (i) => ["GET", `s${i}`],
};
async function vcpu() {
  const info = String(await c.customCommand(["INFO", "cpu"]));
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)[1]);
}
async function run(make, n) {
  let i = 0;
  const worker = async () => {
    while (i < n) {
      const b = new Batch(false);
      for (let k = 0; k < 64; k++) b.customCommand(make(i++ % 1000));
      await c.exec(b, false);
    }
  };
  const v0 = await vcpu();
  const cpu0 = process.cpuUsage(); const t0 = performance.now();
  await Promise.all([worker(), worker(), worker(), worker()]);
  const cpu = process.cpuUsage(cpu0); const ms = performance.now() - t0;
  const v1 = await vcpu();
  return { perSec: Math.round(n / ms * 1000), appUs: ((cpu.user + cpu.system) / n).toFixed(2) + " us app, valkey " + ((v1 - v0) * 1e6 / n).toFixed(2) };
}
for (const round of [1, 2]) for (const [name, make] of Object.entries(variants)) {
  const r = await run(make, 200_000);
  if (round === 2) console.log(name.padEnd(22), r.perSec, "cmd/s", r.appUs, "us app/cmd");
}
c.close();
