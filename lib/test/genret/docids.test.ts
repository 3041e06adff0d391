import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/util/rng";
import {
  docidTokenSequences,
  docidVocabSize,
  documentVectors,
  hierarchicalKMeans,
  kmeans,
} from "../../src/genret/docids";

/** Points around `centers` with small noise. */
function blobs(
  seed: number,
  centers: number[][],
  perCenter: number,
  noise: number,
): { x: Float64Array[]; label: number[] } {
  const r = createRng(seed);
  const x: Float64Array[] = [],
    label: number[] = [];
  centers.forEach((c, k) => {
    for (let i = 0; i < perCenter; i++) {
      x.push(Float64Array.from(c, (v) => v + noise * r.normal()));
      label.push(k);
    }
  });
  return { x, label };
}

test("k-means recovers well-separated clusters", () => {
  const { x, label } = blobs(
    1,
    [
      [0, 0],
      [10, 0],
      [0, 10],
    ],
    30,
    0.3,
  );
  const { assign, centroids } = kmeans(x, 3, 10, createRng(2));
  // Same cluster iff same blob.
  for (let i = 0; i < x.length; i++)
    for (let j = 0; j < x.length; j++) assert.equal(assign[i] === assign[j], label[i] === label[j]);
  for (const c of centroids)
    assert.ok(
      [
        [0, 0],
        [10, 0],
        [0, 10],
      ].some((m) => Math.hypot(c[0] - m[0], c[1] - m[1]) < 0.3),
    );
});

test("hierarchical k-means docids: unique, in range, leaves ≤ leafSize, blobs share their first code, seeded", () => {
  const { x, label } = blobs(
    3,
    [
      [0, 0, 0],
      [8, 0, 0],
      [0, 8, 0],
      [0, 0, 8],
    ],
    40,
    0.5,
  );
  const cfg = { branching: 4, leafSize: 4, iterations: 8, seed: 5 };
  const codes = hierarchicalKMeans(x, cfg);
  assert.deepEqual(codes, hierarchicalKMeans(x, cfg));
  const keys = new Set(codes.map((c) => c.join(".")));
  assert.equal(keys.size, x.length);
  for (const c of codes) for (const v of c) assert.ok(v >= 0 && v < 4);
  // First code identifies the blob.
  for (let i = 0; i < x.length; i++)
    for (let j = 0; j < x.length; j++) assert.equal(codes[i][0] === codes[j][0], label[i] === label[j]);
  // Leaves: documents sharing all but the last code number at most leafSize.
  const leaves = new Map<string, number>();
  for (const c of codes)
    leaves.set(c.slice(0, -1).join("."), (leaves.get(c.slice(0, -1).join(".")) ?? 0) + 1);
  for (const n of leaves.values()) assert.ok(n <= 4);
  // Tokens: code c at depth l → offset + l·branching + c.
  const toks = docidTokenSequences(
    [
      [1, 3],
      [0, 2, 1],
    ],
    4,
    100,
  );
  assert.deepEqual(
    toks.map((t) => Array.from(t)),
    [
      [101, 107],
      [100, 106, 109],
    ],
  );
  assert.equal(
    docidVocabSize(
      [
        [1, 3],
        [0, 2, 1],
      ],
      4,
    ),
    12,
  );
});

test("identical vectors still get unique docids (fallback split)", () => {
  const x = Array.from({ length: 25 }, () => Float64Array.from([1, 1]));
  const codes = hierarchicalKMeans(x, { branching: 3, leafSize: 3, iterations: 3, seed: 1 });
  assert.equal(new Set(codes.map((c) => c.join("."))).size, 25);
});

test("document vectors: unit norm, equal documents give equal vectors, disjoint ones are near orthogonal", () => {
  const docs = [
    [1, 2, 3, 3],
    [3, 3, 2, 1],
    [10, 11, 12, 13],
    [1, 2, 3, 3],
  ];
  const v = documentVectors(docs, 256, 4);
  for (const x of v) assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-9);
  // Same bag of words in another order: equal up to summation-order rounding.
  for (let j = 0; j < 256; j++) assert.ok(Math.abs(v[0][j] - v[1][j]) < 1e-12);
  assert.deepEqual(v[0], v[3]);
  let dot = 0;
  for (let j = 0; j < 256; j++) dot += v[0][j] * v[2][j];
  // Random projection of orthogonal unit vectors: dot ~ N(0, 1/256), |dot| < 5/16 at 5 sd.
  assert.ok(Math.abs(dot) < 5 / 16, `${dot}`);
});
