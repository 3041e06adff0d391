/**
 * Live conformance against SciPy: for every built-in form, 20 random datasets drawn from a known
 * law with noise are fitted here and by scipy.optimize.curve_fit (method "trf", the same bounds,
 * analytic Jacobian, tolerances 1e-15) in the peers' Python (scripts/python.ts; skipped, saying
 * so, where no Python has SciPy). SciPy starts at the true
 * parameters; our fitter starts from its own grid, once with
 * each least-squares core (our damped LM and ml-levenberg-marquardt). Required: our least-squares objective
 * is no worse than SciPy's, and where SciPy converges the parameters agree within 1e-4 relative.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { builtinForms, type LawForm, fitLaw } from "../../src/laws";
import { createRng, deriveSeed, type Rng } from "../../src/util/rng";
import { findPython, pythonHint } from "../../../scripts/python";

const PY = findPython(["numpy", "scipy"]);
const PEER = path.join(__dirname, "scipy_peer.py");

interface Case {
  form: LawForm;
  truth: number[];
  x: number[][];
  y: number[];
}

const u = (r: Rng, lo: number, hi: number) => lo + (hi - lo) * r.next();
const geo = (r: Rng, lo: number, hi: number) => Math.exp(u(r, Math.log(lo), Math.log(hi)));

/** One random dataset for a form: truth in a realistic range, a random design, Gaussian noise. */
function makeCase(form: LawForm, r: Rng): Case {
  const x: number[][] = [];
  let truth: number[];
  let sd: number;
  switch (form.name) {
    case "power-rising":
    case "power-falling": {
      const n = 15 + r.int(26);
      for (let i = 0; i < n; i++) x.push([geo(r, 100, 5000)]);
      const c = u(r, -0.9, -0.2),
        span = u(r, 0.1, 0.4),
        xmin = Math.min(...x.map((v) => v[0]));
      truth =
        form.name === "power-rising"
          ? [u(r, 0.3, 0.8), -span / xmin ** c, c]
          : [u(r, 1, 3), span / xmin ** c, c];
      sd = 0.002;
      break;
    }
    case "joint-rising":
    case "joint-falling": {
      const tiers = [17e6, 32e6, 68e6, 150e6, 400e6, 1e9].slice(0, 3 + r.int(4));
      const every = 200 + 100 * r.int(4);
      for (const N of tiers) for (let s = 100; s <= 5000; s += every) x.push([N, s]);
      const c = u(r, -1.3, -0.5),
        e = u(r, -0.7, -0.15);
      const bs = u(r, 0.1, 0.3) / tiers[0] ** c,
        ds = u(r, 0.1, 0.4) / 100 ** e;
      truth = form.name === "joint-rising" ? [u(r, 0.35, 0.6), -bs, c, -ds, e] : [u(r, 1, 3), bs, c, ds, e];
      sd = 0.003;
      break;
    }
    case "chinchilla": {
      const n = 40 + r.int(41);
      for (let i = 0; i < n; i++) x.push([geo(r, 1e7, 1e10), geo(r, 1e8, 1e11)]);
      const al = u(r, 0.2, 0.6),
        be = u(r, 0.2, 0.6);
      truth = [u(r, 1.5, 2.5), u(r, 0.5, 2) * 1e7 ** al, al, u(r, 0.5, 2) * 1e8 ** be, be];
      sd = 0.01;
      break;
    }
    case "inverse-power": {
      const n = 10 + r.int(21);
      for (let i = 0; i < n; i++) x.push([geo(r, 1e7, 1e11)]);
      const b = u(r, 0.2, 1),
        xmin = Math.min(...x.map((v) => v[0]));
      truth = [xmin * u(r, 0.3, 1.5) ** (1 / b), b, u(r, -1, 1)];
      sd = 0.004;
      break;
    }
    default:
      throw new Error(`no generator for ${form.name}`);
  }
  const y = x.map((row) => form.f(truth, row) + sd * r.normal());
  return { form, truth, x, y };
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

test(
  "SciPy curve_fit conformance: 20 random datasets per built-in form",
  { timeout: 120_000, skip: PY === null && pythonHint(["numpy", "scipy"]) },
  (t) => {
    const cases: Case[] = [];
    for (const form of builtinForms()) {
      const r = createRng(deriveSeed(2026, form.name));
      for (let i = 0; i < 20; i++) cases.push(makeCase(form, r));
    }
    const job = {
      mode: "fit",
      tasks: cases.map((c) => ({
        form: c.form.name,
        x: c.x,
        y: c.y,
        p0: c.truth,
        lower: c.form.lower.map(finite),
        upper: c.form.upper.map(finite),
      })),
    };
    const out = spawnSync(PY!, [PEER], { input: JSON.stringify(job), encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(out.status, 0, out.stderr);
    const { results } = JSON.parse(out.stdout) as {
      results: { params: number[] | null; sse: number | null; ok: boolean; message: string }[];
    };
    assert.equal(results.length, cases.length);
    const perForm = new Map<string, { compared: number; worse: number; maxRel: number; gain: number }>();
    const failures: string[] = [];
    for (const solver of ["lm", "mljs"] as const)
      cases.forEach((c, i) => {
        const ours = fitLaw(c.form, { x: c.x, y: c.y }, { starts: 24, solver });
        const peer = results[i];
        const key = `${c.form.name} (${solver})`;
        const tally = perForm.get(key) ?? { compared: 0, worse: 0, maxRel: 0, gain: 0 };
        perForm.set(key, tally);
        const tag = `${key}#${i % 20}`;
        if (!ours.converged) failures.push(`${tag}: ours did not converge (${ours.reason})`);
        if (peer.sse !== null) tally.gain = Math.max(tally.gain, (peer.sse - ours.sse) / peer.sse);
        if (peer.sse !== null && !(ours.sse <= peer.sse * (1 + 1e-9) + 1e-300))
          failures.push(`${tag}: SSE ${ours.sse} worse than SciPy ${peer.sse}`);
        if (peer.ok && peer.params) {
          tally.compared++;
          peer.params.forEach((q, j) => {
            const rel = Math.abs(ours.params[j] - q) / Math.max(Math.abs(q), 1e-12);
            tally.maxRel = Math.max(tally.maxRel, rel);
            if (!(rel <= 1e-4))
              failures.push(
                `${tag}: ${c.form.params[j]} ours ${ours.params[j]} SciPy ${q} (rel ${rel.toExponential(2)})`,
              );
          });
        }
      });
    for (const [name, s] of perForm)
      t.diagnostic(
        `${name}: SciPy converged ${s.compared}/20, max parameter rel diff ${s.maxRel.toExponential(2)}, max SSE gain over SciPy ${s.gain.toExponential(2)}`,
      );
    for (const [name, t] of perForm)
      assert.ok(t.compared >= 15, `${name}: SciPy converged on only ${t.compared}/20 datasets`);
    assert.deepEqual(failures, []);
  },
);
