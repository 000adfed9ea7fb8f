// The Node major that a folder's npm packages were installed under, kept in a
// file inside its node_modules (npm records no such thing itself).
//   node record-node-major.cjs [DIR]              records the running Node's major (the root postinstall)
//   node record-node-major.cjs --recorded [DIR]   prints the recorded major, nothing when none is
// scripts/lib/node.sh (rxtrace_packages) reinstalls the packages when it differs.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
const read = args[0] === "--recorded";
const marker = path.join(path.resolve(args[read ? 1 : 0] ?? "."), "node_modules", ".rxtrace-node-major");
if (read) {
  try {
    process.stdout.write(readFileSync(marker, "utf8").trim());
  } catch {
    // no record: nothing printed
  }
} else {
  writeFileSync(marker, `${process.versions.node.split(".")[0]}\n`);
}
