/**
 * Fused transformer ops with their own gradients, computed by the native kernels (native/src/
 * ops_impl.inc) on the wasm heap: one kernel call forward and one backward where the composed ops
 * of model/blocks.ts make dozens. They run only while the native kernels are active on the wasm
 * backend ({@link fusedOpsActive}); everywhere else (WebGPU, plain wasm, cpu) the composed ops run,
 * and they stay the reference: test/model/fused.test.ts checks that both give the same values and
 * gradients.
 *
 * - {@link fusedLayerNorm}: y = (x − μ)/√(σ² + ε)·g + b per row (Ba et al. 2016, arXiv 1607.06450).
 * - {@link fusedBiasGelu}: y = GELU(z + b) with the exact erf GELU (Hendrycks & Gimpel 2016,
 *   arXiv 1606.08415).
 * - {@link fusedSelfAttention}: per head softmax(QKᵀ/√dh + bias)·V from the packed `[q | k | v]`
 *   rows (Vaswani et al. 2017, arXiv 1706.03762), without the split and head transposes.
 * - {@link fusedEmbedding}: the sum of the token, position, segment and exact-match embeddings.
 * - {@link fusedMeanPool}: the mean over the non-padding positions (the cross-encoder's pooling).
 */
import { tf } from "../backend/tf";
import { registerHostKernel, runHostKernel, type HostArray } from "../backend/kernels";
import { activeNative, type NativeModule } from "../backend/native";

let fusedOn = true;

/** Switch the fused ops off (false) or on (true, the default): for tests that compare them with the composed ops. */
export function useFusedOps(on: boolean): void {
  fusedOn = on;
}

/** True when the fused ops run: native kernels active, the wasm backend, and not switched off. */
export function fusedOpsActive(): boolean {
  return fusedOn && tf.getBackend() === "wasm" && activeNative() !== null;
}

const f32 = (a: HostArray) => a as Float32Array;
const nat = (): NativeModule => {
  const n = activeNative();
  if (!n) throw new Error("fused op run without the native kernels");
  return n;
};
type Forward = (...args: never[]) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
};
/** tf.customGrad with the inputs, then `save`, as the forward function's parameters. */
const customOp = (f: Forward) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    ...x: tf.Tensor[]
  ) => tf.Tensor;
const rowsOf = (shape: readonly number[]) => shape.slice(0, -1).reduce((p, q) => p * q, 1);
const lastOf = (shape: readonly number[]) => shape[shape.length - 1];

registerHostKernel({
  kernelName: "ScalerankLayerNorm",
  outputs: ({ x }) => {
    const R = rowsOf(x.shape);
    return [
      { shape: [...x.shape], dtype: "float32" },
      { shape: [R], dtype: "float32" },
      { shape: [R], dtype: "float32" },
    ];
  },
  run: ({ x, g, b }, [y, mean, rstd], attrs) => {
    const d = g.length;
    nat().layerNormFwd(
      f32(x),
      f32(g),
      f32(b),
      f32(y),
      f32(mean),
      f32(rstd),
      x.length / d,
      d,
      attrs.eps as number,
    );
  },
});

registerHostKernel({
  kernelName: "ScalerankLayerNormGrad",
  outputs: ({ x, g }) => [
    { shape: [...x.shape], dtype: "float32" },
    { shape: [...g.shape], dtype: "float32" },
    { shape: [...g.shape], dtype: "float32" },
  ],
  run: ({ dy, x, g, mean, rstd }, [dx, dg, db]) => {
    const d = g.length;
    nat().layerNormBwd(
      f32(dy),
      f32(x),
      f32(g),
      f32(mean),
      f32(rstd),
      f32(dx),
      f32(dg),
      f32(db),
      x.length / d,
      d,
    );
  },
});

const layerNormOp = (eps: number) =>
  customOp((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = runHostKernel("ScalerankLayerNorm", { x, g, b }, { eps });
    save([x, g, mean, rstd]);
    tf.dispose([mean, rstd]); // save keeps its own references
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, m, r] = saved;
        return runHostKernel("ScalerankLayerNormGrad", { dy, x: xs, g: gs, mean: m, rstd: r });
      },
    };
  });

/**
 * LayerNorm over the last axis (ε default 1e-5), fused: `y = (x − μ)·ρ·g + b`, μ the row mean,
 * ρ = 1/√(mean((x − μ)²) + ε). Gradient: with x̂ = (x − μ)ρ and ĝ = dy·g,
 * dx = ρ(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dg = Σ_rows dy·x̂, db = Σ_rows dy.
 */
export function fusedLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  return layerNormOp(eps)(x, g, b);
}

registerHostKernel({
  kernelName: "ScalerankBiasGelu",
  outputs: ({ z }) => [{ shape: [...z.shape], dtype: "float32" }],
  run: ({ z, b }, [y]) => nat().biasGeluFwd(f32(z), f32(b), f32(y), z.length / b.length, b.length),
});

registerHostKernel({
  kernelName: "ScalerankBiasGeluGrad",
  outputs: ({ z, b }) => [
    { shape: [...z.shape], dtype: "float32" },
    { shape: [...b.shape], dtype: "float32" },
  ],
  run: ({ dy, z, b }, [dz, db]) =>
    nat().biasGeluBwd(f32(dy), f32(z), f32(b), f32(dz), f32(db), z.length / b.length, b.length),
});

const biasGeluOp = customOp((z: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  const [y] = runHostKernel("ScalerankBiasGelu", { z, b });
  save([z, b]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [zs, bs]: tf.Tensor[]) =>
      runHostKernel("ScalerankBiasGeluGrad", { dy, z: zs, b: bs }),
  };
});

/**
 * `GELU(z + b)` with b broadcast over the rows of z, fused: u = z + b, y = u·Φ(u). Gradient:
 * dz = dy·(Φ(u) + u·φ(u)), db = Σ_rows dz (Φ, φ: the standard normal CDF and density).
 */
export function fusedBiasGelu(z: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return biasGeluOp(z, b);
}

interface AttentionAttrs {
  B: number;
  T: number;
  H: number;
  dh: number;
  biasBatch: number;
  biasRow: number;
}

registerHostKernel({
  kernelName: "ScalerankAttention",
  outputs: (_inputs, attrs) => {
    const a = attrs as unknown as AttentionAttrs;
    return [
      { shape: [a.B * a.T, a.H * a.dh], dtype: "float32" },
      { shape: [a.B, a.H, a.T, a.T], dtype: "float32" },
    ];
  },
  run: ({ qkv, bias }, [out, P], attrs) => {
    const a = attrs as unknown as AttentionAttrs;
    nat().attentionFwd(f32(qkv), f32(bias), f32(out), f32(P), a.B, a.T, a.H, a.dh, a.biasBatch, a.biasRow);
  },
});

registerHostKernel({
  kernelName: "ScalerankAttentionGrad",
  outputs: ({ qkv }) => [{ shape: [...qkv.shape], dtype: "float32" }],
  run: ({ dout, qkv, P, out }, [dqkv], attrs) => {
    const a = attrs as unknown as AttentionAttrs;
    nat().attentionBwd(f32(dout), f32(qkv), f32(P), f32(out), f32(dqkv), a.B, a.T, a.H, a.dh);
  },
});

/**
 * Multi-head self-attention from packed rows `qkv` [B·T, 3d] (q, k, v side by side, heads
 * contiguous within each), fused: per batch b and head h, O = softmax(QKᵀ/√dh + bias)·V, written
 * as [B·T, d]. `bias` is the additive mask broadcastable to [B, H, T, T] with shape
 * [B or 1, 1, T or 1, T] (padding keys, causal); it gets no gradient. Gradient: dP = dO·Vᵀ,
 * dV = Pᵀ·dO, dS = P ⊙ (dP − rowsum(dO ⊙ O)), dQ = dS·K/√dh, dK = dSᵀ·Q/√dh.
 * Returns null for a bias of another shape (the caller runs the composed ops).
 */
export function fusedSelfAttention(
  qkv: tf.Tensor,
  bias: tf.Tensor,
  B: number,
  T: number,
  H: number,
): tf.Tensor | null {
  const d = lastOf(qkv.shape) / 3;
  const bs = bias.shape;
  if (
    bs.length !== 4 ||
    bs[1] !== 1 ||
    bs[3] !== T ||
    (bs[0] !== B && bs[0] !== 1) ||
    (bs[2] !== T && bs[2] !== 1)
  )
    return null;
  const attrs: AttentionAttrs = {
    B,
    T,
    H,
    dh: d / H,
    biasBatch: bs[0] === 1 ? 0 : bs[2] * T,
    biasRow: bs[2] === 1 ? 0 : T,
  };
  const biasF = bias.dtype === "float32" ? bias : tf.cast(bias, "float32");
  const op = customOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, P] = runHostKernel("ScalerankAttention", { qkv: x, bias: biasF }, { ...attrs });
    save([x, P, out]);
    P.dispose();
    return {
      value: out,
      gradFunc: (dout: tf.Tensor, [xs, Ps, outs]: tf.Tensor[]) =>
        runHostKernel("ScalerankAttentionGrad", { dout, qkv: xs, P: Ps, out: outs }, { ...attrs }),
    };
  });
  return op(qkv);
}

interface EmbeddingAttrs {
  T: number;
  d: number;
  hasSeg: number;
  hasMatch: number;
}

registerHostKernel({
  kernelName: "ScalerankEmbedding",
  outputs: ({ ids, tok }) => [{ shape: [ids.shape[0], tok.shape[1]], dtype: "float32" }],
  run: ({ tok, pos, seg, match, ids, segIds, hit }, [out], attrs) => {
    const a = attrs as unknown as EmbeddingAttrs;
    nat().embedFwd(
      f32(tok),
      f32(pos),
      f32(seg),
      f32(match),
      f32(out),
      ids as Int32Array,
      segIds as Int32Array,
      hit as Int32Array,
      ids.length,
      a.T,
      a.d,
      a.hasSeg,
      a.hasMatch,
    );
  },
});

registerHostKernel({
  kernelName: "ScalerankEmbeddingGrad",
  outputs: ({ tok, pos, seg, match }) => [
    { shape: [...tok.shape], dtype: "float32" },
    { shape: [...pos.shape], dtype: "float32" },
    { shape: [...seg.shape], dtype: "float32" },
    { shape: [...match.shape], dtype: "float32" },
  ],
  run: ({ dx, ids, segIds, hit }, [dTok, dPos, dSeg, dMatch], attrs) => {
    const a = attrs as unknown as EmbeddingAttrs;
    const n = nat(),
      R = ids.length;
    n.scatterAddRows(f32(dx), ids as Int32Array, f32(dTok), a.d, dTok.length / a.d);
    // d pos[t] = Σ_b dx[b, t] for t < T; the rows past T get nothing
    dPos.fill(0);
    n.colSum(f32(dx), f32(dPos).subarray(0, a.T * a.d), 1, R / a.T, a.T * a.d);
    if (a.hasSeg) n.scatterAddRows(f32(dx), segIds as Int32Array, f32(dSeg), a.d, dSeg.length / a.d);
    else dSeg.fill(0);
    if (a.hasMatch) n.scatterAddRows(f32(dx), hit as Int32Array, f32(dMatch), a.d, dMatch.length / a.d);
    else dMatch.fill(0);
  },
});

/**
 * The cross-encoder's input embeddings, fused: `x[r] = tok[ids[r]] + pos[r mod T]
 * (+ seg[segIds[r]]) (+ match[hit[r]])` for the B·T rows. Gradient: each table's rows receive the
 * sum of dx over the rows that read them (scatter-add; pos: Σ_b dx[b, t]). Absent tables are
 * passed as null (and a 1-element stand-in goes to the kernel). ids, segIds, hit: int32 [B·T].
 */
export function fusedEmbedding(
  tables: { tok: tf.Tensor; pos: tf.Tensor; seg: tf.Tensor | null; match: tf.Tensor | null },
  ids: tf.Tensor,
  segIds: tf.Tensor | null,
  hit: tf.Tensor | null,
  T: number,
): tf.Tensor {
  const d = tables.tok.shape[1] as number;
  const attrs: EmbeddingAttrs = { T, d, hasSeg: tables.seg ? 1 : 0, hasMatch: tables.match ? 1 : 0 };
  const stand = tables.seg && tables.match ? null : tf.zeros([1, 1]);
  const ints = { ids, segIds: segIds ?? ids, hit: hit ?? ids };
  const op = customOp(
    (tok: tf.Tensor, pos: tf.Tensor, seg: tf.Tensor, match: tf.Tensor, save: tf.GradSaveFunc) => {
      const [x] = runHostKernel("ScalerankEmbedding", { tok, pos, seg, match, ...ints }, { ...attrs });
      // the ids are saved too: tensors made in the forward pass are gone by the backward pass
      save([tok, pos, seg, match, ints.ids, ints.segIds, ints.hit]);
      return {
        value: x,
        gradFunc: (dx: tf.Tensor, saved: tf.Tensor[]) => {
          const [t, p, s, m, i, si, h] = saved;
          return runHostKernel(
            "ScalerankEmbeddingGrad",
            { dx, tok: t, pos: p, seg: s, match: m, ids: i, segIds: si, hit: h },
            { ...attrs },
          );
        },
      };
    },
  );
  const x = op(tables.tok, tables.pos, (tables.seg ?? stand)!, (tables.match ?? stand)!);
  stand?.dispose();
  return x;
}

registerHostKernel({
  kernelName: "ScalerankMeanPool",
  outputs: ({ x, keep }) => [{ shape: [keep.shape[0], x.shape[1]], dtype: "float32" }],
  run: ({ x, keep }, [out], attrs) =>
    nat().meanPoolFwd(
      f32(x),
      f32(keep),
      f32(out),
      keep.length / (attrs.T as number),
      attrs.T as number,
      attrs.d as number,
    ),
});

registerHostKernel({
  kernelName: "ScalerankMeanPoolGrad",
  outputs: (_inputs, attrs) => [{ shape: [attrs.R as number, attrs.d as number], dtype: "float32" }],
  run: ({ dout, keep }, [dx], attrs) =>
    nat().meanPoolBwd(
      f32(dout),
      f32(keep),
      f32(dx),
      keep.length / (attrs.T as number),
      attrs.T as number,
      attrs.d as number,
    ),
});

/**
 * Masked mean pooling, fused: `out[b] = Σ_t keep[b,t]·x[b·T + t] / max(Σ_t keep[b,t], 1)` for x
 * [B·T, d] and a float mask keep [B, T] (no gradient). Gradient: dx[b·T + t] = keep[b,t]·dout[b] /
 * max(Σ_t keep[b,t], 1).
 */
export function fusedMeanPool(x: tf.Tensor, keep: tf.Tensor, T: number): tf.Tensor {
  const d = x.shape[1] as number,
    R = x.shape[0] as number;
  const op = customOp((xs: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out] = runHostKernel("ScalerankMeanPool", { x: xs, keep }, { T, d });
    save([keep]);
    return {
      value: out,
      gradFunc: (dout: tf.Tensor, [k]: tf.Tensor[]) =>
        runHostKernel("ScalerankMeanPoolGrad", { dout, keep: k }, { T, d, R }),
    };
  });
  return op(x);
}
