#!/usr/bin/env node
// The `tstorch` command (package.json "bin"): runs the compiled CLI in dist/.
let cli;
try {
  cli = await import("../dist/src/cli/main.js");
} catch (err) {
  if (err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
  process.stderr.write(`tstorch: error: the CLI is not built (${err.message.split("\n")[0]}); run \`npm run build\`\n`);
  process.exit(1);
}
await cli.run(process.argv.slice(2));
