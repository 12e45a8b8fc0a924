// kill -9 during checkpoints: a child (saver.ts) saves tensors, a module and a PNG in a loop; it is
// killed with SIGKILL at a random moment; every file left must load completely (each tensor filled
// with the save number its metadata names) or be absent, never torn. Temporary files a kill leaves
// behind are reported, not failed (the next save does not read them).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../../src/index.js";
import { messageOf } from "../classify.js";
import { note } from "../note.js";
import { Rng } from "../rng.js";
import type { CaseReport } from "../types.js";

const SAVER = join(dirname(fileURLToPath(import.meta.url)), "..", "saver.js");

function check(file: string, expectEqual: boolean): string | null {
  if (!fs.existsSync(file)) return null;
  try {
    if (file.endsWith(".png")) {
      torch.io.decodePng(fs.readFileSync(file));
      return null;
    }
    const { tensors, metadata } = torch.io.loadTensors(file);
    try {
      const k = Number(metadata.k);
      for (const [name, t] of tensors) {
        const vals = t.toTypedArray();
        for (const v of vals) if (expectEqual && Number(v) !== k) return `${file}: ${name} holds ${v}, metadata says save ${k}`;
      }
    } finally {
      torch.dispose(tensors);
    }
    return null;
  } catch (e) {
    return `${file}: ${messageOf(e)}`;
  }
}

function killAfter(ms: number, dir: string, seed: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAVER, dir, String(seed)], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    let timer: NodeJS.Timeout | undefined;
    child.stdout.once("data", () => (timer = setTimeout(() => child.kill("SIGKILL"), ms)));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve();
      else reject(new Error(`saver ended by itself (code ${code}, signal ${signal}): ${err.slice(-500)}`));
    });
  });
}

export async function run(seed: number, index: number): Promise<CaseReport> {
  const rng = Rng.forCase(seed, "checkpoint-kill", index);
  const ms = rng.int(20, 1500);
  const what = `saver killed ${ms} ms after it started saving`;
  note(what);
  const dir = fs.mkdtempSync(join(tmpdir(), "tstorch-fuzz-ckpt-"));
  try {
    await killAfter(ms, dir, rng.int(0, 2 ** 30));
    const problems = ["tensors.safetensors", "module.safetensors", "image.png"]
      .map((f) => check(join(dir, f), f !== "image.png"))
      .filter((p): p is string => p !== null);
    const left = fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"));
    const tmpNote = left.length > 0 ? ` (${left.length} temporary file(s) left: ${left.join(", ")})` : "";
    if (problems.length > 0) return { outcome: "torn", what, detail: problems.join("; ") + tmpNote };
    return { outcome: "ok", what, detail: `files: ${fs.readdirSync(dir).filter((f) => !f.endsWith(".tmp")).join(", ") || "none"}${tmpNote}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function describe(seed: number, index: number): string {
  return `saver killed ${Rng.forCase(seed, "checkpoint-kill", index).int(20, 1500)} ms after it started saving`;
}
