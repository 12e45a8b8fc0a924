// Benchmarks that report into docs/benchmarks.md each own one marked block
// (<!-- NAME:start --> … <!-- NAME:end -->): replaced in place, or appended the first time.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function writeMarkedBlock(file: string, name: string, section: string): void {
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  const doc = existsSync(file) ? readFileSync(file, "utf8") : "";
  const block = `${start}\n${section}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  writeFileSync(file, i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`);
}
