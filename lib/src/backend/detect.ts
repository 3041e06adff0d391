/**
 * Detection of the tfjs backends this machine can run, without changing the active backend.
 *
 * Five candidates, in the order a user would want them:
 * - `tfjs-node-gpu` (backend "tensorflow"): TensorFlow's C library with CUDA; the fast path on an
 *   NVIDIA GPU. Native package, downloaded at install time.
 * - `webgpu` (backend "webgpu"): `@tensorflow/tfjs-backend-webgpu` on Dawn from the `webgpu` npm
 *   package. Uses a real GPU through Vulkan/Metal/D3D12; on a machine without one, Dawn may only
 *   find a software rasteriser (llvmpipe, lavapipe, SwiftShader), which works but is slow.
 * - `tfjs-node` (backend "tensorflow"): TensorFlow's C library on the CPU (multi-threaded).
 * - `wasm` (backend "wasm"): XNNPACK compiled to WebAssembly with SIMD, single-threaded in Node;
 *   the best CPU engine that installs everywhere.
 * - `cpu` (backend "cpu"): plain JavaScript; always present, slow.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execFile } from "node:child_process";
import { pathToFileURL } from "node:url";
import { tf } from "./tf";

/** Which engine a probe is about. */
export type EngineId = "tfjs-node-gpu" | "tfjs-node" | "webgpu" | "wasm" | "cpu";

/** What detection found out about one engine. */
export interface BackendProbe {
  /** The engine (npm package or built-in backend). */
  id: EngineId;
  /** The tfjs backend name it registers ("tensorflow", "webgpu", "wasm", "cpu"). */
  backend: string;
  /** True if it can be selected here. */
  available: boolean;
  /** True if it computes on a hardware GPU. */
  gpu: boolean;
  /** Preference rank: higher is better; 0 when unavailable. */
  rank: number;
  /** Plain-words explanation: what was found, or why it cannot run. */
  detail: string;
}

/** Resolve a package's package.json from the library or the current working directory. */
function findPackageJson(name: string): string | null {
  for (const base of [__dirname, process.cwd()]) {
    try {
      return require.resolve(`${name}/package.json`, { paths: [base] });
    } catch {
      /* try next */
    }
  }
  return null;
}

/**
 * Probe a native TensorFlow package (`@tensorflow/tfjs-node` or `-gpu`) without loading it:
 * the package must exist under its real name (this repo's danfojs override puts an alias of the
 * pure-JS `@tensorflow/tfjs` 4.22 at the path `@tensorflow/tfjs-node`, which is not the native
 * binding) and its compiled binding must be present.
 */
export function probeNativeTensorflow(pkg: "@tensorflow/tfjs-node" | "@tensorflow/tfjs-node-gpu"): {
  ok: boolean;
  detail: string;
} {
  const pj = findPackageJson(pkg);
  if (!pj) return { ok: false, detail: `${pkg} is not installed` };
  const meta = JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: string; version?: string };
  if (meta.name !== pkg) {
    return {
      ok: false,
      detail: `${path.dirname(pj)} holds ${meta.name}@${meta.version} (an npm alias, e.g. danfojs-node's override), not the native ${pkg}`,
    };
  }
  const libDir = path.join(path.dirname(pj), "lib");
  const hasBinding =
    fs.existsSync(libDir) &&
    fs.readdirSync(libDir, { recursive: true }).some((f) => String(f).endsWith("tfjs_binding.node"));
  if (!hasBinding)
    return {
      ok: false,
      detail: `${pkg}@${meta.version} is installed but its native binding (lib/**/tfjs_binding.node) is missing: its install script did not download TensorFlow`,
    };
  return { ok: true, detail: `${pkg}@${meta.version} with native binding` };
}

/** Result of looking for a WebGPU adapter through Dawn. */
export interface WebGpuProbe {
  ok: boolean;
  /** True when the adapter is a software rasteriser (llvmpipe, lavapipe, SwiftShader). */
  software: boolean;
  /** Dawn options that found the adapter, and the adapter request options. */
  createOptions: string[];
  adapterOptions: Record<string, string>;
  detail: string;
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|softpipe/i;

/**
 * Look for a WebGPU adapter with the `webgpu` package (Dawn): first the platform default
 * (Vulkan on Linux, the path a real GPU takes), then Dawn's OpenGL ES backend in compatibility
 * mode with a surfaceless EGL display (what works with Mesa's llvmpipe on a headless box).
 * The probe runs in a child Node process so that Dawn's driver warnings (printed by native code
 * on stderr) and any driver crash stay out of the caller; the result is cached per process.
 */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  if (webGpuProbeCache) return webGpuProbeCache;
  const none = (detail: string): WebGpuProbe => ({
    ok: false,
    software: false,
    createOptions: [],
    adapterOptions: {},
    detail,
  });
  if (!findPackageJson("webgpu")) return (webGpuProbeCache = none("the `webgpu` package is not installed"));
  if (!findPackageJson("@tensorflow/tfjs-backend-webgpu"))
    return (webGpuProbeCache = none("@tensorflow/tfjs-backend-webgpu is not installed"));
  const entry = require.resolve("webgpu", { paths: [__dirname, process.cwd()] });
  const script = `
    const attempts = [
      { create: [], adapter: {}, label: "default (Vulkan)" },
      { create: ["backend=opengles"], adapter: { featureLevel: "compatibility" }, label: "OpenGL ES compat" },
    ];
    const tried = [];
    (async () => {
      const mod = await import(${JSON.stringify(pathToFileURL(entry).href)});
      for (const a of attempts) {
        try {
          const adapter = await mod.create(a.create).requestAdapter(a.adapter);
          if (!adapter) { tried.push(a.label + ": no adapter"); continue; }
          const i = adapter.info || {};
          const desc = [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(" / ");
          process.stdout.write(JSON.stringify({ ok: true, a, desc }));
          process.exit(0);
        } catch (e) { tried.push(a.label + ": " + e.message); }
      }
      process.stdout.write(JSON.stringify({ ok: false, tried }));
      process.exit(0);
    })().catch((e) => { process.stdout.write(JSON.stringify({ ok: false, tried: ["load: " + e.message] })); process.exit(0); });`;
  const r = await new Promise<{ stdout: string; err: string }>((resolve) => {
    execFile(
      process.execPath,
      ["-e", script],
      { env: { EGL_PLATFORM: "surfaceless", ...process.env }, timeout: 30000 },
      (err, stdout) => resolve({ stdout: String(stdout), err: err ? err.message : "" }),
    );
  });
  let res: {
    ok: boolean;
    a?: { create: string[]; adapter: Record<string, string>; label: string };
    desc?: string;
    tried?: string[];
  };
  try {
    res = JSON.parse(r.stdout);
  } catch {
    return (webGpuProbeCache = none(
      `the WebGPU probe process failed${r.err ? ": " + r.err.split("\n")[0] : ""}`,
    ));
  }
  if (!res.ok || !res.a)
    return (webGpuProbeCache = none(`no WebGPU adapter (${(res.tried ?? []).join("; ")})`));
  const software = SOFTWARE_ADAPTER.test(res.desc ?? "");
  return (webGpuProbeCache = {
    ok: true,
    software,
    createOptions: res.a.create,
    adapterOptions: res.a.adapter,
    detail: `${res.a.label} adapter: ${res.desc || "unnamed"}${software ? " (software rasteriser, no GPU)" : ""}`,
  });
}
let webGpuProbeCache: WebGpuProbe | null = null;

const dawnCache = new Map<string, GPULike>();

/** One Dawn `GPU` object per option set, shared by detection and selection. */
export function dawnInstance(mod: { create(o: string[]): GPULike }, options: string[]): GPULike {
  const key = options.join(",");
  let g = dawnCache.get(key);
  if (!g) {
    g = mod.create(options);
    dawnCache.set(key, g);
  }
  return g;
}

/** The parts of Dawn's GPU objects that detection and selection touch. */
export interface GPULike {
  requestAdapter(o?: Record<string, unknown>): Promise<{ info?: Record<string, string> } | null>;
}

/**
 * Detect every candidate engine. Loads nothing that changes the active backend; the WebGPU probe
 * creates a Dawn instance and asks for an adapter (about 0.3 s). Probes come back best first.
 */
export async function detectBackends(): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  const gpuNative = probeNativeTensorflow("@tensorflow/tfjs-node-gpu");
  out.push({
    id: "tfjs-node-gpu",
    backend: "tensorflow",
    available: gpuNative.ok,
    gpu: gpuNative.ok,
    rank: gpuNative.ok ? 100 : 0,
    detail: gpuNative.detail,
  });
  const cpuNative = probeNativeTensorflow("@tensorflow/tfjs-node");
  out.push({
    id: "tfjs-node",
    backend: "tensorflow",
    available: cpuNative.ok,
    gpu: false,
    rank: cpuNative.ok ? 70 : 0,
    detail: cpuNative.detail,
  });
  const wg = await probeWebGpu();
  out.push({
    id: "webgpu",
    backend: "webgpu",
    available: wg.ok,
    gpu: wg.ok && !wg.software,
    rank: !wg.ok ? 0 : wg.software ? 30 : 90,
    detail: wg.detail,
  });
  const wasmOk = tf.findBackendFactory("wasm") != null;
  const simd = wasmOk ? Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) : false;
  out.push({
    id: "wasm",
    backend: "wasm",
    available: wasmOk,
    gpu: false,
    rank: wasmOk ? 50 : 0,
    detail: wasmOk
      ? `@tensorflow/tfjs-backend-wasm (SIMD ${simd ? "on" : "off"}, 1 thread in Node)`
      : "@tensorflow/tfjs-backend-wasm did not register",
  });
  out.push({
    id: "cpu",
    backend: "cpu",
    available: true,
    gpu: false,
    rank: 10,
    detail: "plain JavaScript kernels (always available, slowest)",
  });
  return out.sort((a, b) => b.rank - a.rank);
}
