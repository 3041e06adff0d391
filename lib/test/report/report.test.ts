import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildReport,
  learnedExpansionNdcg,
  markdownTable,
  renderCell,
  writeNotebookSummary,
} from "../../src/report";

test("renderCell: 4 significant digits, integers as is, tiny and huge in exponent form", () => {
  assert.equal(renderCell(0.123456), "0.1235");
  assert.equal(renderCell(42), "42");
  assert.equal(renderCell(0.00012346), "1.235e-4");
  assert.equal(renderCell(3.2e7 + 0.5), "3.200e+7");
  assert.equal(renderCell(null), "–");
  assert.equal(renderCell("a|b"), "a\\|b");
});

test("markdownTable renders header, separator and rows", () => {
  const md = markdownTable({
    title: "t",
    columns: ["tier", "ndcg@10"],
    rows: [
      ["t1", 0.31234],
      ["t2", 0.4],
    ],
  });
  assert.equal(md, "| tier | ndcg@10 |\n|---|---|\n| t1 | 0.3123 |\n| t2 | 0.4000 |");
});

test("the report carries each summary's tables and links figures of the notebook", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
  const saved = process.env.SCALERANK_ROOT;
  process.env.SCALERANK_ROOT = root;
  try {
    writeNotebookSummary({
      notebook: "04_fit_laws",
      title: "Fitted laws",
      profile: "smoke",
      findings: ["c = -0.31"],
      tables: [{ title: "Joint fit", columns: ["objective", "R2"], rows: [["listwise", 0.93125]] }],
    });
    fs.mkdirSync(path.join(root, "results", "figures"), { recursive: true });
    fs.writeFileSync(path.join(root, "results", "figures", "04_surface.svg"), "<svg/>");
    fs.writeFileSync(path.join(root, "results", "figures", "04_surface.png"), "x");
    fs.writeFileSync(path.join(root, "results", "figures", "05_other.png"), "x");
    const md = buildReport({ profile: "smoke" });
    assert.match(md, /## Fitted laws/);
    assert.match(md, /\| listwise \| 0\.9313 \|/);
    assert.match(md, /\* c = -0\.31/);
    assert.match(md, /04_surface: \[png\]\(figures\/04_surface\.png\) · \[svg\]\(figures\/04_surface\.svg\)/);
    assert.doesNotMatch(md, /05_other/);
  } finally {
    if (saved === undefined) delete process.env.SCALERANK_ROOT;
    else process.env.SCALERANK_ROOT = saved;
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("the report opens with the headline figure and headline tables; the learned expansion is read from 01's summary", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
  const saved = process.env.SCALERANK_ROOT;
  process.env.SCALERANK_ROOT = root;
  try {
    writeNotebookSummary({
      notebook: "01_data",
      title: "Data",
      profile: "smoke",
      findings: [],
      tables: [
        {
          title: "BM25 with a query expansion learned from training positives (dev NDCG@10)",
          columns: ["training groups", "NDCG@10"],
          rows: [
            [100, 0.61],
            [5000, 0.703],
          ],
        },
      ],
    });
    writeNotebookSummary({
      notebook: "03_metrics",
      title: "Training results",
      profile: "smoke",
      findings: [],
      tables: [
        { title: "By tier", columns: ["tier", "listwise"], rows: [["t0", 0.5]], headline: true },
        { title: "Other", columns: ["x"], rows: [[1]] },
      ],
    });
    fs.mkdirSync(path.join(root, "results", "figures"), { recursive: true });
    fs.writeFileSync(path.join(root, "results", "figures", "03_headline_ndcg10.png"), "x");
    const md = buildReport({ profile: "smoke", timings: { "03_metrics.ipynb": 60, "01_data.ipynb": 30 } });
    const head = md.indexOf("## Headline"),
      nb = md.indexOf("## Executed notebooks");
    assert.ok(head > 0 && head < nb, "the headline comes first");
    assert.ok(md.indexOf("![03_headline_ndcg10](figures/03_headline_ndcg10.png)") > head);
    assert.ok(md.indexOf("### By tier") > head && md.indexOf("### By tier") < nb);
    assert.equal(md.split("### By tier").length, 2, "a headline table is shown once");
    assert.ok(md.indexOf("### Other") > nb);
    assert.equal(learnedExpansionNdcg("smoke"), 0.703);
    assert.equal(learnedExpansionNdcg("mini"), null);
  } finally {
    if (saved === undefined) delete process.env.SCALERANK_ROOT;
    else process.env.SCALERANK_ROOT = saved;
    fs.rmSync(root, { recursive: true, force: true });
  }
});
