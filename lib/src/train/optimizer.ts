/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"), with global-norm
 * gradient clipping, written with tfjs ops so that its whole state (moments and step count) can be
 * read out for checkpoints and restored bit-exactly.
 *
 * Update for each parameter θ with gradient g at step t (1-based), learning rate η_t:
 *   g ← g · min(1, clip / ‖g_all‖₂)                 (global norm over all parameters)
 *   m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g²
 *   m̂ = m / (1 − β₁ᵗ) ;  v̂ = v / (1 − β₂ᵗ)
 *   θ ← θ − η_t · ( m̂ / (√v̂ + ε) + λ θ )            (λ only for weights marked `decay`)
 *
 * On the wasm and cpu backends the whole update (norm, clip, moments, parameters) is one host
 * kernel over all parameters, in one pass per parameter; elsewhere it is the op-by-op reference
 * {@link AdamW.applyReference} (about 15 tfjs ops per parameter). Both compute the formulas above;
 * they round alike (the host kernel rounds every intermediate to float32 as the ops do) and differ
 * only where a backend sums the squared gradients in another order than the cpu backend.
 */
import { tf } from "../backend/tf";
import { hasHostKernel, registerHostKernel, runHostKernel } from "../backend/kernels";
import { activeNative } from "../backend/native";

/** AdamW hyperparameters (defaults in brackets). */
export interface AdamWConfig {
  /** β₁ [0.9] */
  beta1: number;
  /** β₂ [0.999] */
  beta2: number;
  /** ε [1e-8] */
  eps: number;
  /** Decoupled weight decay λ [0.01] */
  weightDecay: number;
  /** Global gradient-norm clip; 0 disables [1.0] */
  clipNorm: number;
}

/** Default AdamW settings (BERT/sentence-transformers practice). */
export const DEFAULT_ADAMW: AdamWConfig = {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  clipNorm: 1.0,
};

/** Serializable optimizer state: step count and first/second moments in parameter order. */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** An AdamW optimizer bound to an ordered list of variables. */
export class AdamW {
  /** Steps taken. */
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  /**
   * @param params variables to optimise, in a fixed order
   * @param decay  per-variable flag: apply weight decay
   */
  constructor(
    readonly params: readonly tf.Variable[],
    readonly decay: readonly boolean[],
    readonly config: AdamWConfig = DEFAULT_ADAMW,
  ) {
    // tidy disposes the zerosLike temporaries; the variables share their buffers and survive.
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** Use the fused host kernel where the backend has it (true); false forces {@link applyReference}. */
  fused = true;

  /**
   * Apply one update with gradients `grads` (same order as params) and learning rate `lr`.
   * Returns the global gradient norm before clipping (a scalar tensor the caller disposes).
   */
  apply(grads: readonly tf.Tensor[], lr: number): tf.Scalar {
    if (!this.fused || !hasHostKernel(ADAMW_KERNEL)) return this.applyReference(grads, lr);
    if (grads.length !== this.params.length)
      throw new Error(`AdamW: ${grads.length} gradients for ${this.params.length} parameters`);
    this.step++;
    const t = this.step;
    const { beta1, beta2 } = this.config;
    return tf.tidy(() => {
      const inputs: Record<string, tf.Tensor> = {};
      this.params.forEach((p, i) => {
        if (grads[i].size !== p.size)
          throw new Error(`AdamW: gradient ${i} has ${grads[i].size} values for a parameter of ${p.size}`);
        inputs[`p${i}`] = p;
        inputs[`g${i}`] = grads[i];
        inputs[`m${i}`] = this.m[i];
        inputs[`v${i}`] = this.v[i];
      });
      const attrs = {
        ...this.config,
        lr,
        n: this.params.length,
        decay: this.decay.map((d) => (d ? 1 : 0)),
        bc1: 1 - Math.pow(beta1, t),
        bc2: 1 - Math.pow(beta2, t),
      };
      const out = runHostKernel(ADAMW_KERNEL, inputs, attrs);
      this.params.forEach((p, i) => {
        p.assign(out[3 * i]);
        this.m[i].assign(out[3 * i + 1]);
        this.v[i].assign(out[3 * i + 2]);
      });
      return tf.keep(out[3 * this.params.length]) as tf.Scalar;
    });
  }

  /** The op-by-op update (any backend): the reference that the fused host kernel must match. */
  applyReference(grads: readonly tf.Tensor[], lr: number): tf.Scalar {
    this.step++;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.config;
    const t = this.step;
    const bc1 = 1 - Math.pow(beta1, t),
      bc2 = 1 - Math.pow(beta2, t);
    return tf.tidy(() => {
      // Chained adds rather than tf.addN: WebGPU in compatibility mode allows only 8 inputs per kernel.
      let sq: tf.Tensor = tf.scalar(0);
      for (const g of grads) sq = tf.add(sq, tf.sum(tf.square(g)));
      const norm = tf.sqrt(sq) as tf.Scalar;
      const factor = clipNorm > 0 ? tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-12))) : tf.scalar(1);
      this.params.forEach((p, i) => {
        const g = tf.mul(grads[i], factor);
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let upd = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        if (this.decay[i] && weightDecay > 0) upd = tf.add(upd, tf.mul(p, weightDecay));
        p.assign(tf.sub(p, tf.mul(upd, lr)));
      });
      return tf.keep(norm);
    });
  }

  /** Copy the state out (for a checkpoint). */
  async getState(): Promise<AdamWState> {
    const m: Float32Array[] = [],
      v: Float32Array[] = [];
    for (let i = 0; i < this.params.length; i++) {
      m.push((await this.m[i].data()) as Float32Array);
      v.push((await this.v[i].data()) as Float32Array);
    }
    return { step: this.step, m, v };
  }

  /** Restore a state from {@link AdamW.getState}. */
  setState(s: AdamWState): void {
    if (s.m.length !== this.params.length || s.v.length !== this.params.length)
      throw new Error("optimizer state does not match the parameters");
    this.step = s.step;
    this.params.forEach((p, i) => {
      tf.tidy(() => {
        this.m[i].assign(tf.tensor(s.m[i], p.shape, "float32"));
        this.v[i].assign(tf.tensor(s.v[i], p.shape, "float32"));
      });
    });
  }

  /** Dispose the moment variables. */
  dispose(): void {
    this.m.forEach((x) => x.dispose());
    this.v.forEach((x) => x.dispose());
  }
}

const ADAMW_KERNEL = "ScalerankAdamW";
/**
 * The fused AdamW host kernel. Inputs p<i>, g<i>, m<i>, v<i> for i < n; outputs new p, m, v for each
 * parameter in order, then the pre-clip global gradient norm (a scalar). Attributes: the
 * {@link AdamWConfig} fields, lr, n, decay (0/1 per parameter), bc1 = 1 − β₁ᵗ, bc2 = 1 − β₂ᵗ.
 */
registerHostKernel({
  kernelName: ADAMW_KERNEL,
  outputs: (inputs, attrs) => {
    const out: Array<{ shape: number[]; dtype: "float32" }> = [];
    for (let i = 0; i < (attrs.n as number); i++) {
      const shape = [...inputs[`p${i}`].shape];
      out.push({ shape, dtype: "float32" }, { shape, dtype: "float32" }, { shape, dtype: "float32" });
    }
    out.push({ shape: [], dtype: "float32" });
    return out;
  },
  run: (inp, out, a) => {
    const n = a.n as number,
      decay = a.decay as number[];
    const { beta1, beta2, eps, weightDecay, clipNorm, lr, bc1, bc2 } = a as unknown as AdamWConfig & {
      lr: number;
      bc1: number;
      bc2: number;
    };
    const f = Math.fround;
    // ‖g‖²: per parameter a sum of float32 squares rounded once (as the cpu backend's Sum), then
    // float32 adds in parameter order (as the reference's chained tf.add).
    const native = activeNative();
    const squares = native ? (g: Float32Array) => f(native.sumSquares(g)) : sumOfSquares;
    let sq = 0;
    for (let i = 0; i < n; i++) sq = f(sq + squares(inp[`g${i}`] as Float32Array));
    const norm = f(Math.sqrt(sq));
    const factor = clipNorm > 0 ? Math.min(1, f(f(clipNorm) / Math.max(norm, f(1e-12)))) : 1;
    const c = new Float64Array([
      f(beta1),
      f(beta2),
      f(1 - beta1),
      f(1 - beta2),
      f(bc1),
      f(bc2),
      f(eps),
      f(lr),
      factor,
    ]);
    // the same update on the native kernels (c as float32 values) or in JavaScript
    const c32 = Float32Array.from(c);
    type F = Float32Array;
    const update: (p: F, g: F, m: F, v: F, po: F, mo: F, vo: F, wd: number) => void = native
      ? (p, g, m, v, po, mo, vo, wd) => native.adamw(p, g, m, v, po, mo, vo, c32, wd)
      : (p, g, m, v, po, mo, vo, wd) => adamwElements(p, g, m, v, po, mo, vo, c, wd);
    for (let i = 0; i < n; i++) {
      const wd = decay[i] && weightDecay > 0 ? f(weightDecay) : 0;
      const [p, g, m, v] = ["p", "g", "m", "v"].map((k) => inp[`${k}${i}`] as F);
      const [po, mo, vo] = [0, 1, 2].map((k) => out[3 * i + k] as F);
      update(p, g, m, v, po, mo, vo, wd);
    }
    out[3 * n][0] = norm;
  },
});

/** Σ g² with float32 squares, rounded to float32 once (the cpu backend's Sum of Square). */
function sumOfSquares(g: Float32Array): number {
  let s = 0;
  for (let j = 0; j < g.length; j++) s += Math.fround(g[j] * g[j]);
  return Math.fround(s);
}

/**
 * AdamW on one parameter's elements, c = [β₁, β₂, 1−β₁, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, lr, clip factor]
 * (float32 values), wd = λ or 0. Every intermediate is rounded to float32 (Math.fround) where the
 * reference's tfjs op would round it, in the reference's order, so that on the cpu backend the two
 * agree to the last bit. A separate monomorphic function so V8 optimises the loop once.
 */
function adamwElements(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  po: Float32Array,
  mo: Float32Array,
  vo: Float32Array,
  c: Float64Array,
  wd: number,
): void {
  const f = Math.fround;
  const b1 = c[0],
    b2 = c[1],
    c1 = c[2],
    c2 = c[3],
    fb1 = c[4],
    fb2 = c[5],
    eps = c[6],
    lr = c[7],
    factor = c[8];
  for (let j = 0; j < p.length; j++) {
    const gj = f(g[j] * factor);
    const mj = f(f(m[j] * b1) + f(gj * c1));
    const vj = f(f(v[j] * b2) + f(f(gj * gj) * c2));
    mo[j] = mj;
    vo[j] = vj;
    let upd = f(f(mj / fb1) / f(f(Math.sqrt(f(vj / fb2))) + eps));
    if (wd !== 0) upd = f(upd + f(p[j] * wd));
    po[j] = f(p[j] - f(upd * lr));
  }
}
