/**
 * Consistency of the reproduction report (issue 7): notebooks 04, 05 and 06 are executed once on
 * the `smoke` profile into a temporary results root (env SCALERANK_ROOT), on checkpoint records this
 * test writes itself, and results/REPORT.md is assembled from what they produced. Then:
 *  - every figure file REPORT.md links exists and is non-empty, each PNG has real content (when a
 *    Chromium is installed; without one, the report links no figures and the notebooks say why);
 *  - every table in REPORT.md is its notebook summary, cell for cell;
 *  - the numbers in those tables equal values recomputed here from the records the notebooks read.
 */
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, listNotebooks, resolveEngine, runNotebook, type NotebookResult } from "../scripts/nbrun";
import { resolveChromium, pngContent } from "../lib/src/plots";
import { writeReport } from "../lib/src/report/report";
import {
  markdownTable,
  readNotebookSummaries,
  renderCell,
  type NotebookSummary,
} from "../lib/src/report/summary";
import {
  stepGrid,
  syntheticRecords,
  writeCheckpointRecords,
  type CheckpointRecord,
} from "../lib/src/records";

const PROFILE = "smoke";
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "scalerank-report-"));
let haveChromium = false;

// The records the notebooks read as training records: a seeded draw from the synthetic laws with
// the smoke profile's checkpoint grid, labelled like trainer output of another profile ("synthetic-smoke", eval set dev): records of the
// trainer profiles must carry every trainer metric, and these have three.
const records: CheckpointRecord[] = syntheticRecords({
  seed: 4242,
  steps: stepGrid(500, 5000, 500),
  profile: "synthetic-smoke",
  evalSet: "dev",
});

let results: NotebookResult[] = [];
let report = "";
let summaries: NotebookSummary[] = [];
const savedRoot = process.env.SCALERANK_ROOT;

before(async () => {
  haveChromium = (await resolveChromium()) !== null;
  writeCheckpointRecords(path.join(tmpRoot, "results", "runs", "smoke", "records.jsonl"), records);
  process.env.SCALERANK_ROOT = tmpRoot; // read by projectRoot(), here and in the kernels (kernelEnv copies process.env)
  const engine = resolveEngine(process.env.NOTEBOOK_ENGINE ?? "auto");
  for (const nb of listNotebooks(["04", "05", "06"])) {
    const output = path.join(tmpRoot, "results", "notebooks", PROFILE, path.basename(nb));
    const r = await runNotebook(nb, { engine, profile: PROFILE, output, quiet: true, timeoutSec: 600 });
    results.push(r);
    if (!r.ok) break;
  }
  const timings = Object.fromEntries(results.map((r) => [path.basename(r.notebook), r.seconds]));
  const file = writeReport({ profile: PROFILE, timings });
  report = fs.readFileSync(file, "utf8");
  summaries = readNotebookSummaries(PROFILE);
});

after(() => {
  if (savedRoot === undefined) delete process.env.SCALERANK_ROOT;
  else process.env.SCALERANK_ROOT = savedRoot;
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

/** The Markdown table under `### title` in the report: header cells and body rows of cells. */
function reportTable(title: string): { header: string[]; rows: string[][] } {
  const lines = report.split("\n");
  const at = lines.indexOf(`### ${title}`);
  assert.ok(at >= 0, `REPORT.md has no table titled "${title}"`);
  const body: string[] = [];
  for (let i = at + 2; i < lines.length && lines[i].startsWith("|"); i++) body.push(lines[i]);
  // split on unescaped pipes; renderCell escapes | inside cells as \|
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
  return { header: cells(body[0]), rows: body.slice(2).map(cells) };
}

function summaryOf(notebook: string): NotebookSummary {
  const s = summaries.find((x) => x.notebook === notebook);
  assert.ok(s, `no summary written by ${notebook}`);
  return s;
}

function tableOf(s: NotebookSummary, prefix: string) {
  const t = s.tables.find((x) => x.title.startsWith(prefix));
  assert.ok(t, `${s.notebook} has no table starting "${prefix}"`);
  return t;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

test("notebooks 04, 05 and 06 run on the smoke profile and each writes a summary with findings and tables", () => {
  assert.equal(results.length, 3);
  for (const r of results) assert.ok(r.ok, `${path.basename(r.notebook)} failed:\n${r.stderr.slice(-3000)}`);
  for (const nb of ["04_fit_laws", "05_forecast", "06_compute_allocation"]) {
    const s = summaryOf(nb);
    assert.equal(s.profile, PROFILE);
    assert.ok(s.findings.length >= 3, `${nb}: ${s.findings.length} findings`);
    assert.ok(s.tables.length >= 2 && s.tables.every((t) => t.rows.length > 0), `${nb}: empty tables`);
    // the notebooks saw the records written here, not synthetic ones of their own
    assert.match(s.findings.join(" "), /training checkpoints|training records/);
  }
});

test("every figure named in REPORT.md exists and is non-empty; PNGs have real content", () => {
  const links = [...report.matchAll(/\]\((figures\/[^)]+)\)/g)].map((m) => m[1]);
  if (!haveChromium) {
    assert.equal(links.length, 0);
    assert.ok(results.every((r) => /static figures not written/.test(fs.readFileSync(r.output, "utf8"))));
    return;
  }
  const stems = new Set(links.map((l) => path.basename(l).replace(/\.(svg|png)$/, "")));
  const tiers = [...new Set(records.map((r) => r.tier))];
  const expected = [
    "04_joint_surface_ndcg10",
    "04_joint_slices_ndcg10",
    "04_joint_slices_map",
    "04_joint_slices_ce64",
    "04_model_law_ndcg10",
    "04_cgl_refit",
    "05_model_scaling_grid",
    ...tiers.map((t) => `05_data_scaling_${t}`),
    "05_forecast_vs_actual_joint_ndcg10",
    "05_forecast_vs_actual_table",
    "06_isoflop_listwise",
    "06_isoflop_pairwise",
    "06_isoflop_pointwise",
    "06_compute_optimal_allocation",
    "06_equal_compute",
  ];
  for (const e of expected) assert.ok(stems.has(e), `REPORT.md does not link figure ${e}`);
  for (const st of stems)
    for (const ext of ["svg", "png"])
      assert.ok(links.includes(`figures/${st}.${ext}`), `${st}.${ext} not linked`);
  for (const l of links) {
    const file = path.join(tmpRoot, "results", l);
    assert.ok(fs.existsSync(file), `${l} is linked but missing`);
    const buf = fs.readFileSync(file);
    assert.ok(buf.length > 0, `${l} is empty`);
    if (l.endsWith(".svg")) assert.match(buf.subarray(0, 200).toString("utf8"), /^<svg/);
    else {
      const c = pngContent(buf);
      assert.ok(c.nonBackgroundFraction > 0.01, `${l} looks blank: ${JSON.stringify(c)}`);
    }
  }
  // the executed notebooks the report links exist too
  for (const m of report.matchAll(/\]\((notebooks\/[^)]+\.ipynb)\)/g))
    assert.ok(fs.existsSync(path.join(tmpRoot, "results", m[1])), `${m[1]} missing`);
});

test("every table in REPORT.md is its notebook summary, cell for cell", () => {
  let checked = 0;
  for (const s of summaries) {
    for (const t of s.tables) {
      const got = reportTable(t.title);
      assert.deepEqual(got.header, t.columns);
      assert.equal(got.rows.length, t.rows.length, t.title);
      t.rows.forEach((row, i) =>
        assert.deepEqual(
          got.rows[i],
          row.map((c) => renderCell(c, t.digits)),
          `${t.title}, row ${i}`,
        ),
      );
      assert.ok(report.includes(markdownTable(t)));
      checked++;
    }
    for (const f of s.findings) assert.ok(report.includes(`* ${f}`), `finding missing from REPORT.md: ${f}`);
  }
  assert.ok(checked >= 10, `only ${checked} tables checked`);
});

test("forecast vs actual (05): every actual value is the mean ± sd of the last 10 checkpoints in the records", () => {
  const t = tableOf(summaryOf("05_forecast"), "Model law: forecast vs actual");
  const rep = reportTable(t.title);
  const col = (name: string) => t.columns.indexOf(name);
  const [iM, iO, iT, iA, iS, iF, iE] = [
    "metric",
    "objective",
    "tier",
    "actual (mean of last 10)",
    "actual sd",
    "forecast",
    "error (actual − forecast)",
  ].map(col);
  // the paper holds out the two largest tiers: 400m and 1b, × 3 objectives × 3 metrics
  assert.equal(t.rows.length, 2 * 3 * 3);
  t.rows.forEach((row, i) => {
    const last = records
      .filter((r) => r.tier === row[iT] && r.objective === row[iO])
      .sort((a, b) => a.step - b.step)
      .slice(-10)
      .map((r) => r.metrics[row[iM] as string]);
    assert.equal(last.length, 10);
    const m = mean(last);
    const sd = Math.sqrt(last.reduce((s, v) => s + (v - m) ** 2, 0) / 9);
    assert.ok(Math.abs((row[iA] as number) - m) < 1e-12, `${row.slice(0, 3)}: actual ${row[iA]} vs ${m}`);
    assert.ok(Math.abs((row[iS] as number) - sd) < 1e-12);
    assert.ok(Math.abs((row[iE] as number) - (m - (row[iF] as number))) < 1e-12);
    assert.equal(rep.rows[i][iA], renderCell(m, t.digits)); // the number a reader sees in REPORT.md
    assert.ok(["400m", "1b"].includes(row[iT] as string));
  });
});

test("fit parameters (04): each reported R² is the one the reported parameters give on the records", () => {
  const t = tableOf(summaryOf("04_fit_laws"), "Joint law y = a + b·N^c + d·D^e (all tiers");
  const rep = reportTable(t.title);
  const c = (n: string) => t.columns.indexOf(n);
  assert.equal(t.rows.length, 3 * 3);
  t.rows.forEach((row, i) => {
    const [a, b, cc, d, e] = ["a", "b", "c (N exponent)", "d", "e (D exponent)"].map(
      (n) => row[c(n)] as number,
    );
    const rs = records.filter((r) => r.objective === row[c("objective")]);
    const y = rs.map((r) => r.metrics[row[c("metric")] as string]);
    const f = rs.map((r) => a + b * Math.pow(r.params, cc) + d * Math.pow(r.step, e));
    const ybar = mean(y);
    const r2 = 1 - y.reduce((s, v, j) => s + (v - f[j]) ** 2, 0) / y.reduce((s, v) => s + (v - ybar) ** 2, 0);
    assert.equal(row[c("points")], rs.length);
    assert.ok(
      Math.abs((row[c("R²")] as number) - r2) < 1e-9,
      `${row[0]}/${row[1]}: R² ${row[c("R²")]} vs ${r2}`,
    );
    assert.equal(rep.rows[i][c("R²")], renderCell(r2, t.digits));
    assert.ok(r2 > 0.9, `${row[0]}/${row[1]}: R² ${r2} (the records follow this law form)`);
  });
});

test("equal compute (06): both sides of every pair are read from the records at the same training FLOPs", () => {
  const t = tableOf(summaryOf("06_compute_allocation"), "Equal-compute comparison");
  const rep = reportTable(t.title);
  const metric = "ndcg@10";
  const [iO, iS, iSS, iL, iLS, iC, iVS, iVL, iW] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  assert.deepEqual(t.columns.slice(6, 8), [`${metric} smaller`, `${metric} larger`]);
  // 6 tiers: every pair (smaller, larger) whose compute the larger run covers
  assert.ok(t.rows.length >= 3 * 5, `${t.rows.length} pairs`);
  t.rows.forEach((row, i) => {
    const run = (tier: unknown) =>
      records.filter((r) => r.tier === tier && r.objective === row[iO]).sort((a, b) => a.step - b.step);
    const small = run(row[iS]),
      large = run(row[iL]);
    const s = small[small.length - 1];
    assert.equal(row[iSS], s.step);
    assert.equal(row[iC], s.flops);
    assert.equal(row[iVS], s.metrics[metric]);
    assert.equal(rep.rows[i][iVS], renderCell(s.metrics[metric], t.digits));
    // the larger model at the same compute: linear interpolation in FLOPs between its bracketing checkpoints
    const h = large.findIndex(
      (r, j) => r.flops <= s.flops && (j === large.length - 1 || large[j + 1].flops >= s.flops),
    );
    assert.ok(h >= 0, "compute outside the larger run");
    const lo = large[h],
      hi = large[Math.min(h + 1, large.length - 1)];
    const w = hi.flops === lo.flops ? 0 : (s.flops - lo.flops) / (hi.flops - lo.flops);
    const v = (1 - w) * lo.metrics[metric] + w * hi.metrics[metric];
    assert.ok(Math.abs((row[iVL] as number) - v) < 1e-12, `${row.slice(0, 4)}: larger ${row[iVL]} vs ${v}`);
    assert.ok(Math.abs((row[iLS] as number) - ((1 - w) * lo.step + w * hi.step)) < 1e-9);
    assert.equal(row[iW], s.metrics[metric] > v ? "small" : s.metrics[metric] < v ? "large" : "tie");
  });
});
