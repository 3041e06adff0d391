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
 */
import { tf } from "../backend/tf";

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
export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };

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

  /**
   * Apply one update with gradients `grads` (same order as params) and learning rate `lr`.
   * Returns the global gradient norm before clipping (a scalar tensor the caller disposes).
   */
  apply(grads: readonly tf.Tensor[], lr: number): tf.Scalar {
    this.step++;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.config;
    const t = this.step;
    const bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
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
    const m: Float32Array[] = [], v: Float32Array[] = [];
    for (let i = 0; i < this.params.length; i++) {
      m.push((await this.m[i].data()) as Float32Array);
      v.push((await this.v[i].data()) as Float32Array);
    }
    return { step: this.step, m, v };
  }

  /** Restore a state from {@link AdamW.getState}. */
  setState(s: AdamWState): void {
    if (s.m.length !== this.params.length || s.v.length !== this.params.length) throw new Error("optimizer state does not match the parameters");
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
