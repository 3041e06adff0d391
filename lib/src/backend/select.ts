/**
 * The one place that picks and prepares the tfjs backend. Every notebook, CLI, test and benchmark
 * calls {@link selectBackend}; nothing else calls `tf.setBackend`.
 *
 * Choice: the environment variable `SCALERANK_BACKEND` (or the `prefer` option) names an engine or
 * a backend ("tfjs-node-gpu", "tfjs-node", "tensorflow", "webgpu", "wasm", "cpu"); an explicit
 * request that cannot run is an error, never a silent fallback. Without one, the best available
 * engine by {@link detectBackends}'s rank is used: GPU TensorFlow > WebGPU on a hardware GPU >
 * CPU TensorFlow > wasm > WebGPU on a software rasteriser > cpu.
 */
import { tf } from "./tf";
import { installKernelPatches } from "./kernels";
import { kernelsLabel, loadNative, parseKernelsRequest, requireNative, useNativeKernels } from "./native";
import { BackendProbe, EngineId, GPULike, detectBackends, dawnInstance, probeWebGpu } from "./detect";

/** What {@link selectBackend} set up. */
export interface SelectedBackend {
  /** The engine chosen. */
  id: EngineId;
  /** The active tfjs backend name (`tf.getBackend()`). */
  backend: string;
  /** True if it computes on a GPU. */
  gpu: boolean;
  /** Why it was chosen ("SCALERANK_BACKEND=wasm", "best available"). */
  reason: string;
  /** The probe's description of the engine. */
  detail: string;
  /** Kernel patches installed for it. */
  patches: string[];
  /**
   * The kernels that compute (what run records carry): `native-avx512`, `native-avx2`,
   * `native-portable` or `wasm` on the wasm backend (see backend/native.ts), else the backend name.
   */
  kernels: string;
  /** Every probe, best first. */
  probes: BackendProbe[];
}

const ALIASES: Record<string, EngineId> = {
  "tfjs-node-gpu": "tfjs-node-gpu",
  gpu: "tfjs-node-gpu",
  "tfjs-node": "tfjs-node",
  tensorflow: "tfjs-node",
  node: "tfjs-node",
  webgpu: "webgpu",
  wasm: "wasm",
  cpu: "cpu",
};

/** Parse a backend request (env value or option); throws on an unknown name. */
export function parseBackendRequest(raw: string): EngineId {
  const id = ALIASES[raw.trim().toLowerCase()];
  if (!id)
    throw new Error(
      `unknown backend "${raw}" (SCALERANK_BACKEND must be one of ${Object.keys(ALIASES).join(", ")})`,
    );
  return id;
}

let current: SelectedBackend | null = null;

/** The backend chosen by the last {@link selectBackend} call, or null if none was made. */
export function currentBackend(): SelectedBackend | null {
  return current;
}

/**
 * Make a WebGPU backend usable in Node: tfjs-backend-webgpu registers itself only if
 * `navigator.gpu` exists when its module loads, and asks `navigator.gpu.requestAdapter` for the
 * default adapter. Dawn's globals (GPUBufferUsage, …) are copied onto `globalThis`, and
 * `navigator.gpu` is a thin wrapper that adds the adapter options the probe found to work.
 */
async function prepareWebGpu(): Promise<string> {
  const probe = await probeWebGpu();
  if (!probe.ok) throw new Error(`WebGPU requested but unavailable: ${probe.detail}`);
  if (probe.createOptions.includes("backend=opengles") && !process.env.EGL_PLATFORM)
    process.env.EGL_PLATFORM = "surfaceless";
  const mod = (await import("webgpu")) as unknown as { create(o: string[]): GPULike; globals: object };
  const gpu = dawnInstance(mod, probe.createOptions) as GPULike & Record<string, unknown>;
  Object.assign(globalThis, mod.globals);
  const wrapped = {
    requestAdapter: (o?: Record<string, unknown>) =>
      gpu.requestAdapter({ ...(o ?? {}), ...probe.adapterOptions }),
    getPreferredCanvasFormat: () => "rgba8unorm",
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  const g = globalThis as unknown as { navigator?: Record<string, unknown> };
  if (g.navigator == null)
    Object.defineProperty(globalThis, "navigator", { value: {}, writable: true, configurable: true });
  Object.defineProperty(g.navigator!, "gpu", { value: wrapped, writable: true, configurable: true });
  require("@tensorflow/tfjs-backend-webgpu");
  return probe.detail;
}

/**
 * Select, initialise and patch the tfjs backend (see the module comment for the order), and
 * return what was chosen. Idempotent: a second call with the same request returns the first
 * result. `prefer` overrides `SCALERANK_BACKEND`. With `log`, one line saying what was chosen is
 * printed.
 */
export async function selectBackend(
  opts: { prefer?: string; kernels?: string; log?: boolean } = {},
): Promise<SelectedBackend> {
  const raw = opts.prefer ?? process.env.SCALERANK_BACKEND;
  const requested =
    raw && raw.trim() !== "" && raw.trim().toLowerCase() !== "auto" ? parseBackendRequest(raw) : null;
  if (current && (requested === null || requested === current.id)) {
    current = { ...current, kernels: chooseKernels(current.backend, opts.kernels) };
    return current;
  }
  const probes = await detectBackends();
  let chosen: BackendProbe;
  let reason: string;
  if (requested) {
    const p = probes.find((x) => x.id === requested)!;
    if (!p.available)
      throw new Error(
        `backend ${requested} was requested (${raw}) but cannot run here: ${p.detail}\n${gpuAdvice(probes)}`,
      );
    chosen = p;
    reason = opts.prefer ? `requested (${opts.prefer})` : `SCALERANK_BACKEND=${raw}`;
  } else {
    chosen = probes.find((x) => x.available)!;
    reason = "best available";
  }
  let detail = chosen.detail;
  if (chosen.id === "tfjs-node-gpu") require("@tensorflow/tfjs-node-gpu");
  else if (chosen.id === "tfjs-node") require("@tensorflow/tfjs-node");
  else if (chosen.id === "webgpu") detail = await prepareWebGpu();
  const patches = installKernelPatches(chosen.backend);
  const ok = await tf.setBackend(chosen.backend);
  if (!ok) throw new Error(`tf.setBackend("${chosen.backend}") failed for ${chosen.id}`);
  await tf.ready();
  // The cpu backend prints a banner recommending tfjs-node on its first write; gpuAdvice says it better.
  if (chosen.backend === "cpu") (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const kernels = chooseKernels(tf.getBackend(), opts.kernels);
  current = {
    id: chosen.id,
    backend: tf.getBackend(),
    gpu: chosen.gpu,
    reason,
    detail,
    patches,
    kernels,
    probes,
  };
  if (opts.log) console.log(describeBackend(current));
  return current;
}

let fallbackSaid = false;

/**
 * Switch the wasm backend's kernels to native or wasm as asked (`kernels`, else
 * `SCALERANK_KERNELS`, else auto) and return the label. `native` where the module cannot load, or
 * on another backend, is an error; `auto` without the module says so once and runs on wasm.
 */
function chooseKernels(backend: string, raw: string | undefined): string {
  const req = parseKernelsRequest(raw ?? process.env.SCALERANK_KERNELS);
  if (backend !== "wasm") {
    if (req === "native")
      throw new Error(`native kernels run with the wasm backend, and the ${backend} backend is active`);
    useNativeKernels(false);
    return backend;
  }
  if (req === "native") requireNative();
  const native = loadNative();
  if (req === "auto" && "why" in native && !fallbackSaid) {
    fallbackSaid = true;
    console.error(`scalerank: native kernels ${native.why}; running on the wasm kernels`);
  }
  useNativeKernels(req !== "wasm" && "mod" in native);
  return kernelsLabel();
}

/** One line: which engine runs, on what, and why. */
export function describeBackend(s: SelectedBackend): string {
  return `tfjs backend: ${s.backend} (${s.id}; kernels ${s.kernels}; ${s.reason}; ${s.detail}${s.patches.length ? `; patched: ${s.patches.join(", ")}` : ""})`;
}

/**
 * Plain-words advice on what to install to train on a GPU (or faster on the CPU), given the
 * probes. Says "a GPU backend is active" when one is available.
 */
export function gpuAdvice(probes: readonly BackendProbe[]): string {
  const gpu = probes.find((p) => p.available && p.gpu);
  if (gpu) return `A GPU engine is available here: ${gpu.id} (${gpu.detail}).`;
  const lines = [
    "No GPU engine can run on this machine. To train on an NVIDIA GPU, either:",
    "  • npm install @tensorflow/tfjs-node-gpu@4.22.0   (Linux x64; needs the NVIDIA driver, CUDA 11.2 and cuDNN 8.1; the install",
    "    downloads TensorFlow's C library), then run with SCALERANK_BACKEND=tfjs-node-gpu (it is picked automatically);",
    "  • or use WebGPU, already installed (`webgpu` + @tensorflow/tfjs-backend-webgpu): it needs the GPU's Vulkan driver",
    "    (NVIDIA driver ≥ 525 ships its Vulkan ICD; Debian: apt-get install libvulkan1) and runs with SCALERANK_BACKEND=webgpu.",
    "For a faster CPU: npm install @tensorflow/tfjs-node@4.22.0 (TensorFlow C library, multi-threaded). In this repo danfojs-node's",
    "override aliases that path to the pure-JS @tensorflow/tfjs 4.22; a top-level install of the real package takes precedence.",
  ];
  const wg = probes.find((p) => p.id === "webgpu");
  if (wg?.available && !wg.gpu) lines.push(`(WebGPU found only a software rasteriser here: ${wg.detail}.)`);
  return lines.join("\n");
}
