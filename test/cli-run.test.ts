// `tstorch run`'s own options (the launcher; its ranks' training is in distributed-cli.test.ts):
// --help, bad flags (exit 2, one line naming the problem), torchrun's underscore spellings, and
// where the command starts. The ranks here are tiny node programs, so no libtorch and no data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "./helpers/cli.js";

/** Prints "RANK WORLD_SIZE LOCAL_RANK MASTER_ADDR | its arguments" (the first is "arg", so node takes the rest as arguments). */
const RANK_ECHO = [process.execPath, "-e",
  "console.log(`${process.env.RANK} ${process.env.WORLD_SIZE} ${process.env.LOCAL_RANK} ${process.env.MASTER_ADDR} | ${process.argv.slice(1).join(' ')}`)", "arg"];

test("tstorch run --help lists every option with its default", async () => {
  for (const flag of ["--help", "-h"]) {
    const r = await runCli(["run", flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: tstorch run --nproc-per-node N \[--master-addr HOST\] \[--master-port PORT\] -- COMMAND \[ARGS\.\.\.\]\n/);
    assert.match(r.stdout, /--nproc-per-node N +ranks to start on this machine \(default 1\)/);
    assert.match(r.stdout, /--master-addr HOST +rank 0's address \(default 127\.0\.0\.1\)/);
    assert.match(r.stdout, /--master-port PORT +default: a free port \(29500 when --master-addr is not this machine\)/);
  }
  const top = await runCli(["--help"]);
  assert.match(top.stdout, /\n {2}run --nproc-per-node N -- COMMAND +Start N data-parallel ranks/);
});

test("tstorch run: bad options exit 2 with one line naming the problem", async () => {
  const cases: [string[], RegExp][] = [
    [["--nprocs-per-node", "2", "--", "true"], /unknown option --nprocs-per-node \(did you mean --nproc-per-node\?\); see tstorch run --help/],
    [["--frobnicate", "--", "true"], /unknown option --frobnicate; see tstorch run --help/],
    [["--nproc-per-node"], /--nproc-per-node needs a value \(N\)/],
    [["--nproc-per-node", "0", "--", "true"], /--nproc-per-node must be an integer in 1\.\.1024, got '0'/],
    [["--nproc-per-node", "two", "--", "true"], /--nproc-per-node must be an integer in 1\.\.1024, got 'two'/],
    [["--master-port", "70000", "--", "true"], /--master-port must be an integer in 1\.\.65535, got '70000'/],
    [["--nproc-per-node", "2", "--nproc_per_node", "3", "--", "true"], /--nproc_per_node given twice/],
    [["--nproc-per-node", "2"], /no command given/],
    [["--nproc-per-node", "2", "--"], /no command given/],
  ];
  for (const [argv, re] of cases) {
    const r = await runCli(["run", ...argv]);
    assert.equal(r.code, 2, `${argv.join(" ")}: exit ${r.code}, stderr ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^tstorch: error: tstorch run: [^\n]+\n$/, argv.join(" "));
    assert.match(r.stderr, re, argv.join(" "));
  }
});

test("tstorch run: torchrun's spellings, and the command after -- or from the first non-option", async () => {
  const ranks = (stdout: string): string[] => stdout.trim().split("\n").sort();
  const underscores = await runCli(["run", "--nproc_per_node=2", "--master_addr", "localhost", "--", ...RANK_ECHO, "--x"]);
  assert.equal(underscores.code, 0, underscores.stderr);
  assert.deepEqual(ranks(underscores.stdout), ["0 2 0 localhost | arg --x", "1 2 1 localhost | arg --x"]);
  // without --, the first argument that is not an option starts the command; its own options stay its own
  const bare = await runCli(["run", "--nproc-per-node", "2", ...RANK_ECHO, "--nproc-per-node", "5"]);
  assert.equal(bare.code, 0, bare.stderr);
  assert.deepEqual(ranks(bare.stdout), ["0 2 0 127.0.0.1 | arg --nproc-per-node 5", "1 2 1 127.0.0.1 | arg --nproc-per-node 5"]);
  // a rank that fails: its exit code comes back
  const failing = await runCli(["run", "--", process.execPath, "-e", "process.exit(3)"]);
  assert.equal(failing.code, 3);
  assert.match(failing.stderr, /tstorch run: rank 0 exited with code 3; ending the other ranks/);
});
