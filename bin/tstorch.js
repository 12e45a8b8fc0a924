#!/usr/bin/env node
// The `tstorch` command (package.json "bin"): runs the compiled CLI from dist/.
import { run } from "../dist/src/cli/main.js";

await run(process.argv.slice(2));
