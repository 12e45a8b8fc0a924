// A tiny HTTP server that classifies a posted PNG with a TorchScript CNN through forwardAsync:
// the forward runs on libuv's thread pool, so the server keeps accepting and answering while
// several requests compute at once.
//   npm run example:jit-serve -- [--port 8080] [--model .cache/jit/cifar-cnn-finetuned.pt] [--threads 1]
//   curl --data-binary @cat.png http://127.0.0.1:8080/classify
// Answers {"label": "cat", "index": 3, "probs": [...]} for a 32x32 image (CIFAR-10's size), 400
// with a message for anything else.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import * as torch from "../src/index.js";
import { ensureBaseModel, FINETUNED_MODEL, imageTensor } from "./jit-common.js";

const CLASSES = torch.vision.cifar10.CIFAR10_CLASSES;

/** Starts the server on 127.0.0.1:port with `model` (a ScriptModule whose predict() gives class probabilities). */
export function serve(model: torch.jit.ScriptModule, port: number): Promise<Server> {
  model.eval();
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/classify") return reply(404, { error: "POST a PNG to /classify" });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      let x: torch.Tensor | undefined;
      try {
        const png = torch.io.decodePng(Buffer.concat(chunks));
        if (png.width !== 32 || png.height !== 32) return reply(400, { error: `expected a 32x32 image, got ${png.width}x${png.height}` });
        x = imageTensor(png.data, png.width, png.height);
        const probs: torch.Tensor = await model.runMethodAsync("predict", x);
        const p = Array.from(probs.toTypedArray() as Float32Array);
        probs.dispose();
        const index = p.indexOf(Math.max(...p));
        reply(200, { label: CLASSES[index], index, probs: p });
      } catch (e) {
        reply(400, { error: (e as Error).message });
      } finally {
        x?.dispose();
      }
    });
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok(server));
  });
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!);
if (isMain) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const file = arg("model") ?? (existsSync(FINETUNED_MODEL) ? FINETUNED_MODEL : ensureBaseModel());
  const port = Number(arg("port") ?? 8080);
  // One intra-op thread per request by default: concurrent requests are the parallelism, and
  // OpenMP teams per pool thread only oversubscribe the cores (on the 2-core VM, 2 threads per
  // forward made a single request 50x slower than 1 when the machine was busy).
  torch.setNumThreads(Number(arg("threads") ?? 1));
  const server = await serve(torch.jit.load(file), port);
  console.log(`classifying PNGs with ${file} at http://127.0.0.1:${port}/classify`);
  const stop = (): void => void server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
