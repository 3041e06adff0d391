import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import {
  gridDesignChecks,
  type SizeEffectTest,
  headlineFigure,
  formatDuration,
  gridSpecs,
  gridStepCost,
  type RunSpec,
  progressBar,
  createProgressPrinter,
  sortRecords,
  configHash,
  tiersBySizeOrder,
  finalCheckpointRows,
  exposureFigure,
  tierOrderByObjective,
} from "../../src/train";
import type { CheckpointRecord } from "../../src/records/types";

test("grid order: largest tier first, then seeds, then objectives", () => {
  const s = gridSpecs("mini", ["t0", "t3", "t1"], ["pointwise", "listwise"], [1]);
  assert.deepEqual(
    s.map((x) => `${x.tier}/${x.objective}`),
    ["t3/pointwise", "t3/listwise", "t1/pointwise", "t1/listwise", "t0/pointwise", "t0/listwise"],
  );
});

test("records sort by tier size, objective, seed, step", () => {
  const r = (tier: string, objective: CheckpointRecord["objective"], step: number) =>
    ({ tier, objective, step, seed: 1 }) as CheckpointRecord;
  const out = sortRecords([
    r("t2", "listwise", 5),
    r("t0", "pairwise", 9),
    r("t2", "pointwise", 7),
    r("t0", "pairwise", 3),
  ]);
  assert.deepEqual(
    out.map((x) => `${x.tier}/${x.objective}/${x.step}`),
    ["t0/pairwise/3", "t0/pairwise/9", "t2/pointwise/7", "t2/listwise/5"],
  );
});

test("progress bar and printer: 40% of 10 cells is 4 full cells; lines mode prints checkpoints and ends", () => {
  assert.equal(progressBar(0.4, 10), "████░░░░░░");
  assert.equal(progressBar(2, 4), "████");
  const out: string[] = [];
  const p = createProgressPrinter({ mode: "lines", write: (s) => out.push(s), totalRuns: 1 });
  const spec = { profile: "smoke", tier: "t0", objective: "pairwise" as const, seed: 1 };
  p({ spec, phase: "train", step: 1, steps: 2, loss: 0.7 });
  p({
    spec,
    phase: "checkpoint",
    step: 2,
    steps: 2,
    metrics: { "ndcg@10": 0.5, map: 0.25, "mrr@10": 0.125, "ce@64": 4 },
  });
  p({ spec, phase: "done", step: 2, steps: 2 });
  assert.deepEqual(out, [
    "t0·pairwise step 2: ndcg@10 0.5000  map 0.2500  mrr@10 0.1250  ce@64 4.000\n",
    "t0·pairwise: done\n",
  ]);
});

test("config hash is stable and sensitive", () => {
  assert.equal(configHash({ a: 1 }), configHash({ a: 1 }));
  assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  assert.match(configHash([1, 2]), /^[0-9a-f]{8}$/);
});

test("pretrained tiers: listed after TIERS (later = larger), folders made absolute, bad names refused", () => {
  const pre = [
    { name: "ettin-17m", folder: "ck/ettin-encoder-17m" },
    { name: "ettin-32m", folder: "ck/ettin-encoder-32m" },
  ];
  const s = gridSpecs("paper", ["t2", "ettin-17m", "ettin-32m"], ["listwise"], [1], pre);
  assert.deepEqual(
    s.map((x) => x.tier),
    ["ettin-32m", "ettin-17m", "t2"],
  );
  assert.equal(s[0].pretrained, path.resolve("ck/ettin-encoder-32m"));
  assert.equal("pretrained" in s[2], false); // from-scratch specs (and so their run identities) are unchanged
  assert.throws(
    () => gridSpecs("paper", ["ettin-68m"], ["listwise"], [1], pre),
    /unknown tier "ettin-68m": the tiers are t0, .*, ettin-17m, ettin-32m/,
  );
  assert.throws(
    () => gridSpecs("paper", ["t0"], ["listwise"], [1], [{ name: "t3", folder: "x" }]),
    /"t3" .* is already a from-scratch tier/,
  );
  assert.throws(
    () => gridSpecs("paper", ["t0"], ["listwise"], [1], [pre[0], pre[0]]),
    /"ettin-17m" is given twice/,
  );
  assert.throws(
    () => gridSpecs("paper", ["t0"], ["listwise"], [1], [{ name: "a/b", folder: "x" }]),
    /must be letters, digits/,
  );
});

test("records and tables order pretrained tiers after TIERS by non-embedding parameters, then name", () => {
  const r = (tier: string, params: number, objective: CheckpointRecord["objective"], step: number) =>
    ({
      tier,
      params,
      objective,
      step,
      seed: 1,
      examples: step,
      metrics: { "ndcg@10": 0.5 },
    }) as unknown as CheckpointRecord;
  const recs = [
    r("ettin-1b", 9e8, "pointwise", 1),
    r("ettin-17m", 4e6, "listwise", 2),
    r("t1", 1e4, "listwise", 1),
    r("ettin-17m", 4e6, "pointwise", 1),
    r("t0", 3e3, "pairwise", 1),
  ];
  assert.deepEqual(
    sortRecords(recs.slice()).map((x) => `${x.tier}/${x.objective}`),
    ["t0/pairwise", "t1/listwise", "ettin-17m/pointwise", "ettin-17m/listwise", "ettin-1b/pointwise"],
  );
  assert.deepEqual(tiersBySizeOrder(recs), ["t0", "t1", "ettin-17m", "ettin-1b"]);
  assert.deepEqual(
    finalCheckpointRows(recs, ["ndcg@10"]).map((x) => `${x.tier}/${x.objective}`),
    ["t0/pairwise", "t1/listwise", "ettin-17m/pointwise", "ettin-17m/listwise", "ettin-1b/pointwise"],
  );
  // every tier gets a line in the exposure figure (one panel per objective present)
  const fig = exposureFigure(recs, "ndcg@10");
  assert.deepEqual(
    fig.data.map((d) => `${d.name}`),
    ["ettin-17m", "ettin-1b", "t0", "t1", "ettin-17m"],
  );
});

test("tier order per objective: final values, strict rise, rising shared steps (worked by hand)", () => {
  const r = (
    tier: string,
    params: number,
    objective: CheckpointRecord["objective"],
    step: number,
    ndcg: number,
  ) =>
    ({
      tier,
      params,
      objective,
      step,
      seed: 1,
      examples: step,
      metrics: { "ndcg@10": ndcg },
    }) as unknown as CheckpointRecord;
  const recs = [
    // listwise: t0 < t1 < t2 at step 10 and at the end (20); t1 > t2 at step 5 → 2 of 3 shared steps rise
    r("t2", 900, "listwise", 5, 0.3),
    r("t2", 900, "listwise", 10, 0.5),
    r("t2", 900, "listwise", 20, 0.6),
    r("t0", 100, "listwise", 5, 0.2),
    r("t0", 100, "listwise", 10, 0.3),
    r("t0", 100, "listwise", 20, 0.4),
    r("t1", 300, "listwise", 5, 0.35),
    r("t1", 300, "listwise", 10, 0.4),
    r("t1", 300, "listwise", 20, 0.55),
    // pointwise: a tie at the end is not a rise; step 7 exists only for t0 (not shared)
    r("t0", 100, "pointwise", 5, 0.1),
    r("t0", 100, "pointwise", 7, 0.15),
    r("t0", 100, "pointwise", 20, 0.5),
    r("t1", 300, "pointwise", 5, 0.2),
    r("t1", 300, "pointwise", 20, 0.5),
    // a second seed is ignored
    { ...r("t0", 100, "listwise", 20, 0.99), seed: 2 } as CheckpointRecord,
  ];
  const rows = tierOrderByObjective(recs);
  assert.deepEqual(
    rows.map((x) => x.objective),
    ["pointwise", "listwise"],
  );
  assert.deepEqual(rows[1], {
    objective: "listwise",
    tiers: ["t0", "t1", "t2"],
    final: [0.4, 0.55, 0.6],
    risesWithTier: true,
    sharedSteps: 3,
    risingSteps: 2,
  });
  assert.deepEqual(rows[0], {
    objective: "pointwise",
    tiers: ["t0", "t1"],
    final: [0.5, 0.5],
    risesWithTier: false,
    sharedSteps: 2,
    risingSteps: 1,
  });
});

test("progress ETA: steps left over the rate so far (worked by hand); lines mode repeats the status line", () => {
  let t = 0;
  const out: string[] = [];
  const p = createProgressPrinter({
    mode: "redraw",
    intervalMs: 0,
    totalRuns: 2,
    write: (s) => out.push(s),
    now: () => t,
  });
  const spec = { profile: "smoke", tier: "t0", objective: "listwise" as const, seed: 1 };
  p({ spec, phase: "train", step: 1, steps: 10 }); // first step at t = 0
  t = 1000;
  p({ spec, phase: "train", step: 5, steps: 10 });
  // 5 steps trained in 1,000 ms; left: 5 of this run + 10 of the run not started = 15 → 3 s
  assert.match(out[out.length - 1], /^\r\[0\/2 runs · about 3 s left\] t0·listwise /);
  assert.equal(formatDuration(3900), "1 h 05 min");
  const lines: string[] = [];
  let u = 0;
  const q = createProgressPrinter({
    mode: "lines",
    linesIntervalMs: 30_000,
    totalRuns: 1,
    write: (s) => lines.push(s),
    now: () => u,
  });
  q({ spec, phase: "train", step: 1, steps: 10 });
  u = 10_000;
  q({ spec, phase: "train", step: 2, steps: 10 });
  assert.equal(lines.length, 0);
  u = 31_000;
  q({ spec, phase: "train", step: 3, steps: 10 });
  // 3 steps in 31 s, 7 left: 72 s, shown in whole minutes
  assert.deepEqual(lines, [`[0/1 runs · about 1 min left] t0·listwise ${progressBar(0.3, 12)} 3/10\n`]);
});

test("progress ETA weighted by step cost: the large tier's steps count more than the small tier's (worked by hand)", () => {
  const big = { profile: "mini", tier: "t5", objective: "listwise" as const, seed: 1 };
  const small = { profile: "mini", tier: "t0", objective: "listwise" as const, seed: 1 };
  const eta = (stepCost?: (s: RunSpec) => number | null) => {
    let t = 0;
    const out: string[] = [];
    const p = createProgressPrinter({
      mode: "redraw",
      intervalMs: 0,
      runs: [big, small],
      stepCost,
      write: (s) => out.push(s),
      now: () => t,
    });
    for (let step = 1; step <= 5; step++, t += 10_000) p({ spec: big, phase: "train", step, steps: 10 });
    return out[out.length - 1].match(/about (.*) left/)?.[1];
  };
  // costs 9 and 1: 5 big steps = 45 units in 40 s; left 5·9 + 10·1 = 55 units → 48.9 s
  assert.equal(
    eta((s) => (s.tier === "t5" ? 9 : 1)),
    "49 s",
  );
  // uniform: 5 steps in 40 s; left 5 + 10 = 15 steps → 120 s
  assert.equal(eta(), "2 min");
  // one run without a cost (a pretrained tier): uniform for all
  assert.equal(
    eta((s) => (s.tier === "t5" ? 9 : null)),
    "2 min",
  );
  // the grid's costs: a t5 step costs more than a t0 step, pairwise as much as listwise (88 examples each)
  const c = gridStepCost("mini");
  assert.ok(c(big)! > 4 * c(small)!, `${c(big)} vs ${c(small)}`);
  assert.equal(c({ ...big, objective: "pairwise" }), c(big));
  assert.equal(c({ ...big, pretrained: "/x" }), null);
});

test("headline figure: last checkpoint against N per objective, and the largest tier against exposure", () => {
  const r = (tier: string, params: number, step: number, ndcg: number) =>
    ({
      tier,
      params,
      objective: "listwise",
      step,
      seed: 1,
      examples: step * 88,
      metrics: { "ndcg@10": ndcg },
    }) as unknown as CheckpointRecord;
  const recs = [
    r("t1", 300, 10, 0.4),
    r("t1", 300, 20, 0.5),
    r("t0", 100, 10, 0.3),
    r("t0", 100, 20, 0.35),
    { ...r("t1", 300, 20, 0.9), seed: 2 } as CheckpointRecord,
  ];
  const fig = headlineFigure(recs, "ndcg@10", { BM25: 0.3 });
  assert.deepEqual(
    fig.data.map((d) => [d.name, d.x, d.y]),
    [
      ["listwise", [100, 300], [0.35, 0.5]],
      ["listwise (t1)", [880, 1760], [0.4, 0.5]],
    ],
  );
  assert.equal((fig.layout.shapes as unknown[]).length, 2); // the BM25 line on both panels
  assert.throws(() => headlineFigure(recs, "ndcg@5"), /unknown metric "ndcg@5"/);
});

test("grid design checks: the paper's shape passes, a log-spaced 4-tier grid fails, read from records", () => {
  const mk = (tiers: number, steps: number[], wobble: number) => {
    const out: CheckpointRecord[] = [];
    for (let t = 0; t < tiers; t++)
      for (const objective of ["pointwise", "listwise"] as const)
        steps.forEach((step, i) => {
          out.push({
            tier: `t${t}`,
            params: 500 * 4 ** t,
            objective,
            step,
            seed: 1,
            examples: step,
            metrics: { "ndcg@10": 0.5 + 0.01 * t + (i % 2 ? wobble : -wobble) },
          } as unknown as CheckpointRecord);
        });
    return out;
  };
  const linear = Array.from({ length: 50 }, (_, i) => 8 * (i + 1));
  const sig = (ok: boolean) =>
    [
      {
        objective: "listwise",
        fitted: "t3",
        forecast: "t4",
        queries: 300,
        meanDiff: 0.02,
        t: 3,
        pValue: ok ? 0.003 : 0.2,
        significant: ok,
      },
    ] as SizeEffectTest[];
  const good = gridDesignChecks(mk(6, linear, 0.004), sig(true));
  assert.deepEqual(
    good.map((c) => c.ok),
    [true, true, true, true, true, true, true],
    JSON.stringify(good),
  );
  // 6 tiers of 500·4^t: log10(4^5) = 3.01 decades; last 10 of 8…400 = final 20 %, last 5 = final 10 %
  assert.equal(good[1].value, "3.01");
  assert.equal(good[3].value, "final 20 % of training");
  // sd of ±0.004 alternating over 10 values: √(10 · 0.004² / 9) = 0.0042
  assert.match(good[5].value, /^0\.0042 /);
  const log = [25, 34, 46, 63, 86, 117, 159, 216, 294, 400];
  const bad = gridDesignChecks(mk(4, log, 0.02), sig(false));
  assert.deepEqual(
    bad.map((c) => c.ok),
    [false, true, false, false, false, false, false],
  );
});
