#!/usr/bin/env node
// The `tstorch` command (package.json "bin"): runs the compiled CLI in dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cliUrl = new URL("../dist/src/cli/main.js", import.meta.url);
let cli;
try {
  cli = await import(cliUrl.href);
} catch (err) {
  // Only the CLI itself missing means "not built"; any other missing module is a real error.
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !err.message.includes(fileURLToPath(cliUrl))) throw err;
  // A clone of the repository has the TypeScript sources; a published package ships dist/ instead.
  const inRepository = existsSync(fileURLToPath(new URL("../src/cli/main.ts", import.meta.url)));
  const fix = inRepository
    ? "run `npm run build` in the repository"
    : "this copy of the package was packed without its compiled JavaScript; reinstall it (`npm install tstorch`), " +
      "or from a clone of its repository run `npm pack` (which builds dist/ first) and install that tarball";
  process.stderr.write(`tstorch: error: the CLI is not built (${fileURLToPath(cliUrl)} is missing); ${fix}\n`);
  process.exit(1);
}
await cli.run(process.argv.slice(2));
