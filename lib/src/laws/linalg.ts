/**
 * Small dense linear algebra for the law fitter: a handful of parameters (≤ ~10), so plain
 * loops over row-major `Float64Array`s beat any general matrix library and allocate nothing in
 * the inner loops.
 */

/**
 * Solve the symmetric positive-definite system `A x = b` in place by Cholesky factorisation
 * (A = L Lᵀ, then forward and back substitution). `A` is n×n row-major and is overwritten by
 * L; `b` is overwritten by x. Returns false (leaving garbage) when A is not positive definite.
 */
export function choleskySolveInPlace(A: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= A[j * n + k] * A[j * n + k];
    if (!(s > 0) || !Number.isFinite(s)) return false;
    const d = Math.sqrt(s);
    A[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = t / d;
    }
  }
  for (let i = 0; i < n; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= A[i * n + k] * b[k];
    b[i] = t / A[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let t = b[i];
    for (let k = i + 1; k < n; k++) t -= A[k * n + i] * b[k];
    b[i] = t / A[i * n + i];
  }
  return true;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations (Golub & Van Loan,
 * §8.5). Returns eigenvalues and the eigenvectors as the columns of a row-major matrix.
 */
export function symmetricEigen(
  S: ArrayLike<number>,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(S as ArrayLike<number>);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0,
      diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] * a[i * n + i];
      for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p],
            akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k],
            aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p],
            vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * Moore–Penrose pseudo-inverse of a symmetric positive semi-definite matrix: eigenvalues below
 * `rcond · λ_max` are treated as zero (the same rule as numpy.linalg.pinv). Also returns the
 * condition number λ_max/λ_min (Infinity when singular).
 */
export function symmetricPinv(
  S: ArrayLike<number>,
  n: number,
  rcond = 1e-12,
): { inv: Float64Array; cond: number; rank: number } {
  const { values, vectors } = symmetricEigen(S, n);
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(values[i]));
  const inv = new Float64Array(n * n);
  let min = Infinity,
    rank = 0;
  for (let k = 0; k < n; k++) {
    const lam = values[k];
    min = Math.min(min, lam);
    if (!(lam > rcond * max)) continue;
    rank++;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) inv[i * n + j] += (vectors[i * n + k] * vectors[j * n + k]) / lam;
  }
  return { inv, cond: min > 0 ? max / min : Infinity, rank };
}

/**
 * Ordinary least squares `min ‖X β − y‖²` for a small number of columns, with each column scaled
 * to unit norm first (so power-law bases like N^−1 with N ≈ 1e9 stay well conditioned) and a
 * pseudo-inverse of the normal matrix. `X` is given column-wise. Returns null for empty input.
 */
export function leastSquares(cols: readonly ArrayLike<number>[], y: ArrayLike<number>): number[] | null {
  const k = cols.length,
    m = y.length;
  if (k === 0 || m === 0) return null;
  const scale = cols.map((c) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += c[i] * c[i];
    return s > 0 && Number.isFinite(s) ? Math.sqrt(s) : 1;
  });
  const G = new Float64Array(k * k),
    r = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += cols[a][i] * cols[b][i];
      G[a * k + b] = G[b * k + a] = s / (scale[a] * scale[b]);
    }
    let t = 0;
    for (let i = 0; i < m; i++) t += cols[a][i] * y[i];
    r[a] = t / scale[a];
  }
  const { inv } = symmetricPinv(G, k, 1e-13);
  const beta: number[] = [];
  for (let a = 0; a < k; a++) {
    let s = 0;
    for (let b = 0; b < k; b++) s += inv[a * k + b] * r[b];
    beta.push(s / scale[a]);
  }
  return beta.every(Number.isFinite) ? beta : null;
}
