import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng, deriveSeed } from "../../src/util/rng";

test("same seed gives the same stream, different seeds differ", () => {
  const a = createRng(42),
    b = createRng(42),
    c = createRng(43);
  const xa = Array.from({ length: 5 }, () => a.next());
  const xb = Array.from({ length: 5 }, () => b.next());
  const xc = Array.from({ length: 5 }, () => c.next());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  for (const x of xa) assert.ok(x >= 0 && x < 1);
});

test("state round trip resumes the identical stream", () => {
  const a = createRng(7);
  for (let i = 0; i < 10; i++) a.next();
  const s = a.getState();
  const tail = Array.from({ length: 4 }, () => a.int(1000));
  const b = createRng(999);
  b.setState(s);
  assert.deepEqual(
    Array.from({ length: 4 }, () => b.int(1000)),
    tail,
  );
});

test("uniform mean and normal moments are right to sampling error", () => {
  const r = createRng(1);
  const n = 20000;
  let s = 0,
    s2 = 0,
    m = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
    m += r.next();
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
  assert.ok(Math.abs(m / n - 0.5) < 0.01);
});

test("deriveSeed separates labels", () => {
  assert.notEqual(deriveSeed(1, "queries"), deriveSeed(1, "docs"));
  assert.equal(deriveSeed(1, "queries"), deriveSeed(1, "queries"));
});
