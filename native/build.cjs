#!/usr/bin/env node
/**
 * Builds the optional native kernels (native/binding.gyp) with node-gyp; `npm ci` runs it (the root
 * package's install script). It never fails the install: without a C++ compiler, Node headers or
 * node-gyp it prints one line and the project runs on the wasm kernels. SCALERANK_NO_NATIVE=1 skips
 * the build. The compiler's output goes to native/build.log.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const dir = __dirname;
const say = (m) => console.log(`scalerank native kernels: ${m}`);

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
  ];
  return candidates.find((c) => c && fs.existsSync(c));
}

/** Node's headers: npm's nodedir setting, else the prefix of this Node when it ships include/node. */
function nodedir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  return fs.existsSync(path.join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

function main() {
  if (process.env.SCALERANK_NO_NATIVE === "1")
    return say("skipped (SCALERANK_NO_NATIVE=1); the wasm kernels will run");
  const gyp = nodeGyp();
  if (!gyp) return say("not built (node-gyp not found); the wasm kernels will run");
  const nd = nodedir();
  const args = [gyp, "rebuild", `--directory=${dir}`, ...(nd ? [`--nodedir=${nd}`] : [])];
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", cwd: dir });
  fs.writeFileSync(path.join(dir, "build.log"), `${r.stdout ?? ""}${r.stderr ?? ""}`);
  const built = path.join(dir, "build", "Release", "scalerank_native.node");
  if (r.status !== 0 || !fs.existsSync(built)) {
    const why =
      (r.stderr ?? "").split("\n").find((l) => /error|not found|ERR!/i.test(l)) ?? `exit ${r.status}`;
    return say(`not built (${why.trim()}; see native/build.log); the wasm kernels will run`);
  }
  try {
    const mod = require(built);
    say(`built in ${((Date.now() - t0) / 1000).toFixed(0)} s (${mod.isa()})`);
  } catch (e) {
    fs.rmSync(built, { force: true });
    say(`built but does not load (${e.message}); the wasm kernels will run`);
  }
}

main();
