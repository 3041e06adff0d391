/**
 * Scaling-law fitting benchmark: a joint-law fit y = a + b·N^c + d·D^e with 200
 * starting points plus 1,000 bootstrap refits, here (our damped LM and ml-levenberg-marquardt) and
 * the same work in SciPy (`curve_fit`, method "trf", bounds, analytic Jacobian) in the same run,
 * through bench/laws_scipy.py. Both sides get the same data, the same 200 starts and the same
 * bootstrap resamples; SciPy runs once with its default tolerances (what the paper authors' code
 * uses) and once with the tight tolerances of the conformance test. Timings exclude process start
 * and imports. Writes results/bench/laws.json.
 */
import { spawnSync } from "node:child_process";
import { findPython, pythonHint } from "../scripts/python";
import * as path from "node:path";
import { bootstrapLaw, fitLaw, jointPowerLaw, type LawSolver } from "../lib/src/laws";
import { createRng } from "../lib/src/util/rng";
import { printTable, writeBench, type BenchRow } from "./common";

const STARTS = 200,
  BOOT = 1000,
  SEED = 17;
const form = jointPowerLaw("rising");
// the published listwise NDCG@10 law (rahulseetharaman/cross-encoder-scaling, joint_scaling.py) on 4 tiers × 50 checkpoints = 200 points (the paper's joint-fit size)
const truth = [0.4323, -9.53e6, -1.082, -2.633, -0.449];
const rng = createRng(SEED);
const x: number[][] = [];
for (const N of [17e6, 32e6, 68e6, 150e6]) for (let s = 100; s <= 5000; s += 100) x.push([N, s]);
const y = x.map((row) => form.f(truth, row) + 0.004 * rng.normal());
const data = { x, y };
const starts = form.starts!(data, STARTS);
// the resamples bootstrapLaw draws for seed SEED ("points": n draws of rng.int(n) per replicate)
const bootRng = createRng(SEED);
const boot = Array.from({ length: BOOT }, () =>
  Array.from({ length: y.length }, () => bootRng.int(y.length)),
);

const rows: BenchRow[] = [];
const results: Record<string, { fit: number; boot: number; ci: number[][]; params: number[] }> = {};
for (const solver of ["lm", "mljs"] as LawSolver[]) {
  fitLaw(form, data, { starts: 8, solver }); // warm up the JIT
  const t0 = performance.now();
  const fit = fitLaw(form, data, { initial: starts, starts: 0, solver });
  const t1 = performance.now();
  const bs = bootstrapLaw(fit, data, { replicates: BOOT, seed: SEED, fitOptions: { solver } });
  const t2 = performance.now();
  const ci = bs.paramIntervals.map((iv) => [iv.lo, iv.hi]);
  results[solver] = { fit: (t1 - t0) / 1000, boot: (t2 - t1) / 1000, ci, params: fit.params };
  rows.push({
    impl: solver === "lm" ? "scalerank (own LM)" : "scalerank (ml-levenberg-marquardt)",
    starts: fit.startStats.tried,
    "fit s": (t1 - t0) / 1000,
    "bootstrap s": (t2 - t1) / 1000,
    "total s": (t2 - t0) / 1000,
    sse: fit.sse,
    "failed boot": bs.failed,
    c: fit.params[2],
    "c 95% CI": `[${ci[2][0].toFixed(4)}, ${ci[2][1].toFixed(4)}]`,
  });
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);
for (const tol of [null, 1e-15]) {
  const job = { x, y, lower: form.lower.map(finite), upper: form.upper.map(finite), starts, boot, tol };
  const py = findPython(["numpy", "scipy"]);
  if (!py) {
    console.log(`SciPy peer skipped: ${pythonHint(["numpy", "scipy"])}`);
    break;
  }
  const out = spawnSync(py, [path.join(__dirname, "laws_scipy.py")], {
    input: JSON.stringify(job),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (out.status !== 0) throw new Error(`SciPy peer failed: ${out.stderr}`);
  const r = JSON.parse(out.stdout) as {
    fit_seconds: number;
    boot_seconds: number;
    best: number[];
    sse: number;
    failed_starts: number;
    failed_boot: number;
    ci: number[][];
  };
  const key = tol === null ? "scipy" : "scipy-tight";
  results[key] = { fit: r.fit_seconds, boot: r.boot_seconds, ci: r.ci, params: r.best };
  rows.push({
    impl: `SciPy curve_fit trf (${tol === null ? "default tol" : "tol 1e-15"})`,
    starts: STARTS - r.failed_starts,
    "fit s": r.fit_seconds,
    "bootstrap s": r.boot_seconds,
    "total s": r.fit_seconds + r.boot_seconds,
    sse: r.sse,
    "failed boot": r.failed_boot,
    c: r.best[2],
    "c 95% CI": `[${r.ci[2][0].toFixed(4)}, ${r.ci[2][1].toFixed(4)}]`,
  });
}

const total = (k: string) => results[k].fit + results[k].boot;
const ratios = {
  "scipy(default tol) / own LM": total("scipy") / total("lm"),
  "scipy(tol 1e-15) / own LM": total("scipy-tight") / total("lm"),
  "scipy(default tol) / ml-levenberg-marquardt": total("scipy") / total("mljs"),
  "scipy(tol 1e-15) / ml-levenberg-marquardt": total("scipy-tight") / total("mljs"),
};
printTable(`joint-law fit: ${STARTS} starts + ${BOOT} bootstrap refits, ${y.length} points`, rows);
console.log("\nspeed-up (SciPy time / our time; > 1 means we are faster):");
for (const [k, v] of Object.entries(ratios)) console.log(`  ${k}: ${v.toFixed(2)}×`);
const maxCiDiff = Math.max(
  ...results.lm.ci
    .flat()
    .map((v, i) => Math.abs(v - results["scipy-tight"].ci.flat()[i]) / Math.max(Math.abs(v), 1e-12)),
);
console.log(
  `bootstrap CI endpoints, own LM vs SciPy (tol 1e-15): max relative difference ${maxCiDiff.toExponential(2)}`,
);
const file = writeBench("laws", rows, {
  ratios,
  maxCiDiff,
  points: y.length,
  starts: STARTS,
  bootstrap: BOOT,
  truth,
});
console.log(`wrote ${file}`);
