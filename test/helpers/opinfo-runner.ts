// Child process of test/opinfo.test.ts: replays a list of OpInfo samples, so that a crash
// (abort, segfault) ends only this process and the parent can name the sample and go on.
//
//   node dist/test/helpers/opinfo-runner.js CORPUS_DIR PLAN_FILE START LOG_FILE
//
// PLAN_FILE is JSON: [[groupIndex, sampleIndexInGroup], ...]; the runner replays entries START...
// and appends to LOG_FILE, with synchronous writes to a file (a pipe may refuse a write with
// EAGAIN) so nothing is lost on a crash, one line before each sample ("S <position>") and one
// after ("R <position> <outcome JSON>").
import * as fs from "node:fs";
import * as path from "node:path";
import { loadCorpus, replay } from "./opinfo.js";

const [dir, planFile, start, logFile] = process.argv.slice(2);
const log = fs.openSync(logFile, "a");
const corpus = loadCorpus(dir);
const blob = fs.readFileSync(path.join(dir, "tensors.bin"));
const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as [number, number][];

for (let p = Number(start); p < plan.length; p++) {
  const [gi, si] = plan[p];
  const g = corpus.groups[gi];
  fs.writeSync(log, `S ${p}\n`);
  let outcome;
  try {
    outcome = replay(g, g.samples[si], blob);
  } catch (e) {
    // an error outside the call itself (building the arguments, reading the result)
    outcome = { status: "different", why: `harness: ${(e as Error).stack ?? String(e)}` };
  }
  fs.writeSync(log, `R ${p} ${JSON.stringify(outcome)}\n`);
}
