/**
 * `npm run gpu-pack [-- --dir .device]`: pack what a GPU machine without Node or network needs to
 * run the GPU check (bench/gpu_check.ts), into a git-ignored folder of at most 64 MiB:
 *
 *   node.xz              this machine's Node binary, xz-compressed (run.sh unpacks it with Python's lzma)
 *   gpu-check.cjs        an esbuild bundle of the check with the library and tfjs
 *   *.wasm               the tfjs wasm backend's binaries (the reference the check compares against)
 *   node_modules/webgpu  Dawn's Node binding (dawn.node, linux-x64 only) and its loader
 *   lib/libvulkan.so.1   the Vulkan loader Dawn opens (Debian's libvulkan1; the GPU's driver brings its ICD)
 *   train_torch_peer.py  the PyTorch peer timed in the same call
 *   run.sh               unpack, set LD_LIBRARY_PATH, run the check; writes $OUT/gpu.json
 *
 * On the GPU machine: `bash .device/run.sh` (or `--quick`). Exit 1 when the folder would exceed
 * the limit, naming the largest parts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { ROOT } from "./nbrun";
import { parseOptions, runCli, UsageError } from "./cli";

const LIMIT = 64 * 1024 * 1024;

/** Files under `dir` with their sizes, largest first. */
function sizes(dir: string): [string, number][] {
  const out: [string, number][] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push([path.relative(dir, p), fs.statSync(p).size]);
    }
  };
  walk(dir);
  return out.sort((a, b) => b[1] - a[1]);
}

/** node.xz, rebuilt only when the Node binary changed (its size and mtime are kept beside it). */
function packNode(dir: string): void {
  const src = process.execPath;
  const stamp = `${fs.statSync(src).size} ${fs.statSync(src).mtimeMs}`;
  const stampFile = path.join(dir, "node.xz.source");
  if (
    fs.existsSync(path.join(dir, "node.xz")) &&
    fs.existsSync(stampFile) &&
    fs.readFileSync(stampFile, "utf8") === stamp
  )
    return;
  const r = spawnSync(
    "bash",
    ["-c", `xz -9 -T0 -c "${src}" > "${dir}/node.xz.tmp" && mv "${dir}/node.xz.tmp" "${dir}/node.xz"`],
    {
      stdio: "inherit",
    },
  );
  if (r.status !== 0) throw new Error("xz failed (apt-get install xz-utils)");
  fs.writeFileSync(stampFile, stamp);
}

/** The Vulkan loader's path on this machine, or null. */
function vulkanLoader(): string | null {
  const r = spawnSync("ldconfig", ["-p"], { encoding: "utf8" });
  const m = /libvulkan\.so\.1 \(([^)]*)\) => (\S+)/.exec(r.stdout ?? "");
  if (m && m[1].includes("x86-64")) return fs.realpathSync(m[2]);
  for (const p of ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib64/libvulkan.so.1"])
    if (fs.existsSync(p)) return fs.realpathSync(p);
  return null;
}

const RUN_SH = `#!/bin/bash
# Run the GPU check from this folder on a machine without Node: bash run.sh [--quick]
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$D/node" ]; then
  python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" \
    "$D/node.xz" "$D/node.tmp" || { echo "run.sh: could not unpack node.xz with python3's lzma" >&2; exit 1; }
  chmod +x "$D/node.tmp" && mv "$D/node.tmp" "$D/node"
fi
export LD_LIBRARY_PATH="$D/lib\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
OUTDIR="\${OUT:-$D}"
mkdir -p "$OUTDIR"
"$D/node" --version
exec "$D/node" "$D/gpu-check.cjs" --out "$OUTDIR/gpu.json" --python "\${PYTHON:-python3}" "$@"
`;

async function main(): Promise<number> {
  const { options } = parseOptions(process.argv.slice(2), { dir: "value" });
  const dir = path.resolve(ROOT, options.get("dir") ?? ".device");
  if (process.platform !== "linux" || process.arch !== "x64")
    throw new UsageError("gpu-pack packs linux-x64 binaries; run it on linux-x64");
  fs.mkdirSync(path.join(dir, "lib"), { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, "bench", "gpu_check.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile: path.join(dir, "gpu-check.cjs"),
    external: [
      "webgpu",
      "@tensorflow/tfjs-node",
      "@tensorflow/tfjs-node-gpu",
      "playwright-core",
      "@sparticuz/chromium",
      "plotly.js-dist-min",
    ],
    logLevel: "error",
  });
  for (const f of fs.readdirSync(path.join(ROOT, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist")))
    if (f.endsWith(".wasm"))
      fs.copyFileSync(
        path.join(ROOT, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist", f),
        path.join(dir, f),
      );
  const wg = path.join(ROOT, "node_modules", "webgpu");
  const wgOut = path.join(dir, "node_modules", "webgpu");
  fs.mkdirSync(path.join(wgOut, "dist", "linux-x64"), { recursive: true });
  for (const f of ["package.json", "index.js"]) fs.copyFileSync(path.join(wg, f), path.join(wgOut, f));
  fs.copyFileSync(
    path.join(wg, "dist", "linux-x64", "dawn.node"),
    path.join(wgOut, "dist", "linux-x64", "dawn.node"),
  );
  // the backend itself is in the bundle; the WebGPU probe looks for its package.json
  const tfWebGpu = path.join("node_modules", "@tensorflow", "tfjs-backend-webgpu");
  fs.mkdirSync(path.join(dir, tfWebGpu), { recursive: true });
  fs.copyFileSync(path.join(ROOT, tfWebGpu, "package.json"), path.join(dir, tfWebGpu, "package.json"));
  const vk = vulkanLoader();
  if (vk) fs.copyFileSync(vk, path.join(dir, "lib", "libvulkan.so.1"));
  else
    console.error(
      "WARNING: no libvulkan.so.1 here (apt-get install libvulkan1); the GPU machine must have its own",
    );
  fs.copyFileSync(path.join(ROOT, "bench", "train_torch_peer.py"), path.join(dir, "train_torch_peer.py"));
  fs.writeFileSync(path.join(dir, "run.sh"), RUN_SH, { mode: 0o755 });
  packNode(dir);
  fs.rmSync(path.join(dir, "node"), { force: true }); // run.sh unpacks it on the GPU machine
  const files = sizes(dir);
  const total = files.reduce((s, [, n]) => s + n, 0);
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`${dir}: ${files.length} files, ${mib(total)} (limit ${mib(LIMIT)})`);
  for (const [f, n] of files.slice(0, 5)) console.log(`  ${mib(n).padStart(9)}  ${f}`);
  if (total > LIMIT) {
    console.error(`gpu-pack: ${mib(total)} is over the ${mib(LIMIT)} limit`);
    return 1;
  }
  return 0;
}

runCli("gpu-pack", main);
