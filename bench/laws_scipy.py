"""SciPy peer of bench/laws.bench.ts (run with Debian's /usr/bin/python3).

Reads a JSON job on stdin: the joint-law data (x rows [N, D], y), bounds, the starting points
and the bootstrap resample indices used by the TypeScript side, and a tolerance. Does the same
work with scipy.optimize.curve_fit (method "trf", bounds, analytic Jacobian):
  1. one fit per starting point, keeping the lowest sum of squares;
  2. one refit per bootstrap resample, started from the best fit.
Times only the fitting (not the imports or JSON) and writes a JSON answer on stdout.
"""
import json
import sys
import time
import warnings

import numpy as np
from scipy.optimize import curve_fit


def joint(X, a, b, c, d, e):
    return a + b * X[0] ** c + d * X[1] ** e


def joint_jac(X, a, b, c, d, e):
    tn, td = X[0] ** c, X[1] ** e
    return np.stack([np.ones_like(tn), tn, b * tn * np.log(X[0]), td, d * td * np.log(X[1])], axis=1)


def fit(X, y, p0, lo, hi, tol):
    kw = {} if tol is None else {"ftol": tol, "xtol": tol, "gtol": tol}
    try:
        popt, _ = curve_fit(joint, X, y, p0=p0, bounds=(lo, hi), method="trf", jac=joint_jac, max_nfev=20000, **kw)
        return popt, float(np.sum((joint(X, *popt) - y) ** 2))
    except Exception:  # RuntimeError: max_nfev reached; ValueError: bad start
        return None, float("inf")


def main():
    job = json.load(sys.stdin)
    X = np.asarray(job["x"], dtype=float).T
    y = np.asarray(job["y"], dtype=float)
    lo = np.array([-np.inf if v is None else v for v in job["lower"]])
    hi = np.array([np.inf if v is None else v for v in job["upper"]])
    tol = job.get("tol")
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    best, best_sse, failed_starts = None, float("inf"), 0
    for s in job["starts"]:
        p, sse = fit(X, y, np.asarray(s, dtype=float), lo, hi, tol)
        if p is None:
            failed_starts += 1
        elif sse < best_sse:
            best, best_sse = p, sse
    t1 = time.perf_counter()
    reps, failed_boot = [], 0
    for idx in job["boot"]:
        idx = np.asarray(idx)
        p, _ = fit(X[:, idx], y[idx], best, lo, hi, tol)
        if p is None:
            failed_boot += 1
        else:
            reps.append(p)
    t2 = time.perf_counter()
    reps = np.asarray(reps)
    ci = [[float(np.percentile(reps[:, j], 2.5)), float(np.percentile(reps[:, j], 97.5))] for j in range(reps.shape[1])]
    json.dump({
        "fit_seconds": t1 - t0, "boot_seconds": t2 - t1, "best": best.tolist(), "sse": best_sse,
        "failed_starts": failed_starts, "failed_boot": failed_boot, "ci": ci,
    }, sys.stdout)


if __name__ == "__main__":
    main()
