/**
 * Seeded pseudo-random numbers that can be saved and restored.
 *
 * Generator: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2018), 32-bit state words seeded through splitmix32 so that any integer seed gives a
 * well-mixed state. Every random choice in the project (data generation, negative sampling,
 * initialisation, bootstrap) draws from an `Rng` so that runs are reproducible and a
 * checkpoint can store the generator state and resume bit-identically.
 */

/** Serializable generator state: four unsigned 32-bit words. */
export type RngState = [number, number, number, number];

/** A seeded random source with a restorable state. */
export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n). Throws for n < 1. */
  int(n: number): number;
  /** Standard normal deviate (Box–Muller, one of the pair is discarded for simplicity). */
  normal(): number;
  /** Fisher–Yates shuffle of `a` in place; returns `a`. */
  shuffle<T>(a: T[]): T[];
  /** A copy of the current state (for checkpoints). */
  getState(): RngState;
  /** Restore a state previously returned by {@link Rng.getState}. */
  setState(s: RngState): void;
}

/** splitmix32 step: returns the next mixed 32-bit word and advances `s[0]`. */
function splitmix32(s: { x: number }): number {
  s.x = (s.x + 0x9e3779b9) | 0;
  let z = s.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Create a generator from an integer seed (any JS number; fractional parts are dropped).
 * The same seed always gives the same stream.
 */
export function createRng(seed: number): Rng {
  const sm = { x: Math.trunc(seed) | 0 };
  const st = new Uint32Array(4);
  for (let i = 0; i < 4; i++) st[i] = splitmix32(sm);
  if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
  return makeRng(st);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function makeRng(st: Uint32Array): Rng {
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(st[1], 5), 7), 9) >>> 0;
    const t = st[1] << 9;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl(st[3], 11);
    return result;
  };
  const rng: Rng = {
    next: () => nextU32() / 4294967296,
    int: (n: number) => {
      if (!(n >= 1)) throw new RangeError(`Rng.int: n must be >= 1, got ${n}`);
      return Math.floor((nextU32() / 4294967296) * n);
    },
    normal: () => {
      let u = 0;
      while (u === 0) u = nextU32() / 4294967296;
      const v = nextU32() / 4294967296;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    shuffle: <T>(a: T[]): T[] => {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor((nextU32() / 4294967296) * (i + 1));
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
      }
      return a;
    },
    getState: () => [st[0], st[1], st[2], st[3]],
    setState: (s: RngState) => {
      for (let i = 0; i < 4; i++) st[i] = s[i] >>> 0;
    },
  };
  return rng;
}

/**
 * Derive an independent child seed from a parent seed and a label, so that separate
 * components (e.g. "queries", "negatives") get unrelated streams from one user seed.
 * FNV-1a hash of the label mixed with the seed.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (Math.trunc(seed) | 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
