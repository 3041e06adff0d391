"""SciPy peer for the scaling-law fitter (run with Debian's /usr/bin/python3).

Reads one JSON job from stdin and writes one JSON answer to stdout.

Job "fit": {"mode": "fit", "tasks": [{"form", "x": [[...]], "y": [...], "p0": [...],
            "lower": [...], "upper": [...]}]}
  → {"results": [{"params", "sse", "ok", "status", "message"}]}
  Each task is scipy.optimize.curve_fit(method="trf") with the given bounds, the analytic
  Jacobian and tight tolerances (ftol = xtol = gtol = 1e-15), started at p0.

The model functions mirror lib/src/laws/forms.ts; null bounds mean infinite.
"""
import json
import sys
import warnings

import numpy as np
from scipy.optimize import curve_fit


def _power(X, a, b, c):
    return a + b * X[0] ** c


def _power_jac(X, a, b, c):
    t = X[0] ** c
    return np.stack([np.ones_like(t), t, b * t * np.log(X[0])], axis=1)


def _joint(X, a, b, c, d, e):
    return a + b * X[0] ** c + d * X[1] ** e


def _joint_jac(X, a, b, c, d, e):
    tn, td = X[0] ** c, X[1] ** e
    return np.stack([np.ones_like(tn), tn, b * tn * np.log(X[0]), td, d * td * np.log(X[1])], axis=1)


def _chinchilla(X, E, A, alpha, B, beta):
    return E + A * X[0] ** (-alpha) + B * X[1] ** (-beta)


def _chinchilla_jac(X, E, A, alpha, B, beta):
    tn, td = X[0] ** (-alpha), X[1] ** (-beta)
    return np.stack([np.ones_like(tn), tn, -A * tn * np.log(X[0]), td, -B * td * np.log(X[1])], axis=1)


def _inverse(X, a, b, c):
    return (a / X[0]) ** b + c


def _inverse_jac(X, a, b, c):
    t = (a / X[0]) ** b
    return np.stack([b * t / a, t * np.log(a / X[0]), np.ones_like(t)], axis=1)


FORMS = {
    "power-rising": (_power, _power_jac),
    "power-falling": (_power, _power_jac),
    "joint-rising": (_joint, _joint_jac),
    "joint-falling": (_joint, _joint_jac),
    "chinchilla": (_chinchilla, _chinchilla_jac),
    "inverse-power": (_inverse, _inverse_jac),
}


def _bounds(values, fill):
    return np.array([fill if v is None else v for v in values], dtype=float)


def fit_one(task):
    f, jac = FORMS[task["form"]]
    X = np.asarray(task["x"], dtype=float).T
    y = np.asarray(task["y"], dtype=float)
    lo = _bounds(task["lower"], -np.inf)
    hi = _bounds(task["upper"], np.inf)
    p0 = np.asarray(task["p0"], dtype=float)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            popt, _pcov, info, msg, ier = curve_fit(
                f, X, y, p0=p0, bounds=(lo, hi), method="trf", jac=jac, full_output=True,
                ftol=1e-15, xtol=1e-15, gtol=1e-15, max_nfev=20000, x_scale="jac",
            )
        sse = float(np.sum((f(X, *popt) - y) ** 2))
        return {"params": popt.tolist(), "sse": sse, "ok": bool(ier in (1, 2, 3, 4)), "status": int(ier), "message": str(msg)}
    except Exception as exc:  # RuntimeError when max_nfev is reached, ValueError on bad input
        return {"params": None, "sse": None, "ok": False, "status": -1, "message": str(exc)}


def main():
    job = json.load(sys.stdin)
    if job.get("mode") != "fit":
        raise SystemExit(f"unknown mode {job.get('mode')!r}")
    json.dump({"results": [fit_one(t) for t in job["tasks"]]}, sys.stdout)


if __name__ == "__main__":
    main()
