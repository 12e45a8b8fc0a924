// Requests per second of examples/jit-serve.ts (tstorch, forwardAsync on libuv's pool) against
// bench/jit_serve_torch.py (PyTorch behind Python's ThreadingHTTPServer), the same TorchScript
// CNN and the same 32x32 PNGs, side by side: rounds interleaved (order alternating), each a fixed
// time with C concurrent keep-alive clients, on 127.0.0.1.
//   npm run build && node dist/bench/jit-serve.js [--seconds 3] [--rounds 3] [--concurrency 8] [--threads 1]
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import * as torch from "../src/index.js";
import { ensureBaseModel, PYTHON, rgbBytes, ROOT } from "../examples/jit-common.js";

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const SECONDS = arg("seconds", 3);
const ROUNDS = arg("rounds", 3);
const CONCURRENCY = arg("concurrency", 8);
/** Intra-op threads of each server (the same on both sides). */
const THREADS = arg("threads", 1);

const model = ensureBaseModel();
const cifarDir = resolve(ROOT, ".cache", "cifar10");
const images = existsSync(cifarDir) ? torch.vision.cifar10.loadDir(cifarDir).testImages.narrow(0, 0, 64) : torch.rand([64, 3, 32, 32]);
const pngs = Array.from({ length: 64 }, (_, i) => torch.io.encodePng(rgbBytes(images.narrow(0, i, 1).squeeze(0)), 32, 32, 3));

const children: ChildProcess[] = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

async function start(name: string, cmd: string, args: string[], port: number): Promise<string> {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  const url = `http://127.0.0.1:${port}/classify`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(url, { method: "POST", body: pngs[0] });
      if (r.ok) return url;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} server did not start`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** Completed requests per second with CONCURRENCY clients for SECONDS. */
async function load(url: string): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; performance.now() < end; i += CONCURRENCY) {
        const r = await fetch(url, { method: "POST", body: pngs[i % pngs.length] });
        if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
        done++;
      }
    }),
  );
  return done / SECONDS;
}

const tsUrl = await start("tstorch", process.execPath, [resolve(ROOT, "dist", "examples", "jit-serve.js"), "--port", "18501", "--model", model, "--threads", String(THREADS)], 18501);
const pyUrl = await start("PyTorch", PYTHON, [resolve(ROOT, "bench", "jit_serve_torch.py"), "--port", "18502", "--model", model, "--threads", String(THREADS)], 18502);

// the two servers agree on every image
for (const png of pngs.slice(0, 16)) {
  const [a, b] = await Promise.all([tsUrl, pyUrl].map(async (u) => (await (await fetch(u, { method: "POST", body: png })).json()) as { index: number; probs: number[] }));
  if (a.index !== b.index || a.probs.some((p, i) => Math.abs(p - b.probs[i]) > 1e-5)) throw new Error("the servers disagree on an image");
}

const ts: number[] = [];
const py: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2 === 0) {
    ts.push(await load(tsUrl));
    py.push(await load(pyUrl));
  } else {
    py.push(await load(pyUrl));
    ts.push(await load(tsUrl));
  }
  console.error(`round ${r + 1}: tstorch ${ts[r].toFixed(0)} req/s, PyTorch ${py[r].toFixed(0)} req/s`);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ratios = ts.map((t, i) => t / py[i]);
const range = (xs: number[], d = 0): string => `${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}`;
console.log(`| server | req/s (median of ${ROUNDS}) | range |`);
console.log("|---|---|---|");
console.log(`| tstorch examples/jit-serve.ts (forwardAsync) | ${median(ts).toFixed(0)} | ${range(ts)} |`);
console.log(`| PyTorch http.server (ThreadingHTTPServer) | ${median(py).toFixed(0)} | ${range(py)} |`);
console.log(`| ratio tstorch/PyTorch | ${median(ratios).toFixed(2)} | ${range(ratios, 2)} |`);
console.log(`(${CONCURRENCY} concurrent keep-alive clients, ${SECONDS} s per round, ${ROUNDS} rounds interleaved, ${THREADS} intra-op thread(s) per server, same machine)`);
for (const c of children) c.kill("SIGTERM");
process.exit(0);
