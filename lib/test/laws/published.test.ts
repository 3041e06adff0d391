/**
 * The fitter against published numbers (HongruCai/SLGR): the generative-retrieval paper's CGL
 * series refit with y = (a/x)^b + c must reproduce the reference refit (50 random restarts, as the authors' script) (a = 0.0225, b = 0.402,
 * c = 0.003556, R² = 0.999), and SciPy, run live, must agree.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fitLaw, goodnessOfFit, inversePowerLaw } from "../../src/laws";
import { PUBLISHED_BLOCKS, publishedLawsPath, readPublishedLaws } from "../../src/records";
import { InputError } from "../../src/util/fsutil";
import { findPython, pythonHint } from "../../../scripts/python";

const FIXTURE = publishedLawsPath();
const published = readPublishedLaws(FIXTURE);

test("refit of the MINDER-T5 CGL size series reproduces the published refit", () => {
  const s = published.cglSeries.minderT5;
  const data = { x: s.x.map((v) => [v]), y: s.cgl };
  const fit = fitLaw(inversePowerLaw(), data, { starts: 64 });
  assert.equal(fit.status, "ok", fit.warnings.join("; "));
  const want = published.cglRefit.minderT5;
  // the reference values have 3–4 significant digits
  assert.ok(Math.abs(fit.named.b - want.b) < 0.0015, `b ${fit.named.b}`);
  assert.ok(Math.abs(fit.named.c - want.c) < 1.5e-6, `c ${fit.named.c}`);
  assert.ok(Math.abs(fit.named.a / want.a - 1) < 0.05, `a ${fit.named.a}`);
  assert.ok(goodnessOfFit(fit, data).r2 >= want.r2 - 5e-4);
});

const PY = findPython(["numpy", "scipy"]);
test(
  "SciPy's curve_fit from the published MINDER-T5 refit agrees with ours (live)",
  { skip: PY === null && pythonHint(["numpy", "scipy"]) },
  () => {
    const s = published.cglSeries.minderT5;
    const data = { x: s.x.map((v) => [v]), y: s.cgl };
    const fit = fitLaw(inversePowerLaw(), data, { starts: 64 });
    const want = published.cglRefit.minderT5;
    const job = {
      mode: "fit",
      tasks: [
        {
          form: "inverse-power",
          x: data.x,
          y: data.y,
          p0: [want.a, want.b, want.c],
          lower: [0, 0, null],
          upper: [null, 10, null],
        },
      ],
    };
    const out = spawnSync(PY!, [path.join(__dirname, "scipy_peer.py")], {
      input: JSON.stringify(job),
      encoding: "utf8",
    });
    assert.equal(out.status, 0, out.stderr);
    const peer = JSON.parse(out.stdout).results[0] as { params: number[]; sse: number; ok: boolean };
    assert.ok(peer.ok);
    assert.ok(fit.sse <= peer.sse * (1 + 1e-9));
    peer.params.forEach((q, j) =>
      assert.ok(
        Math.abs(fit.params[j] / q - 1) < 1e-4,
        `${fit.form.params[j]} ${fit.params[j]} vs SciPy ${q}`,
      ),
    );
  },
);

test("the LLaMA-7B data series saturates: exponent near 4, asymptote 0.003350", () => {
  const s = published.cglSeries.minderLlama7bData;
  const fit = fitLaw(inversePowerLaw(), { x: s.x.map((v) => [v]), y: s.cgl }, { starts: 64 });
  assert.ok(Math.abs(fit.named.c - published.cglRefit.minderLlama7bData.c) < 1e-6, `c ${fit.named.c}`);
  assert.ok(Math.abs(fit.named.b - published.cglRefit.minderLlama7bData.b) < 0.5, `b ${fit.named.b}`);
});

test("a damaged published-numbers file is refused with its path", () => {
  assert.throws(
    () => readPublishedLaws(path.join(__dirname, "no-such.json")),
    (e: unknown) => e instanceof InputError && /cannot read/.test((e as Error).message),
  );
});

test("every block of the published numbers names its paper and table, and one without is refused", () => {
  const raw = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Record<string, Record<string, unknown>>;
  for (const name of PUBLISHED_BLOCKS) {
    assert.match(String(raw[name].paper), /arXiv \d{4}\.\d{4,5}/, `${name}.paper`);
    assert.ok(String(raw[name].table).length > 10, `${name}.table`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "published-"));
  for (const [name, field] of [
    ["cglRefit", "paper"],
    ["rerankerEqualCompute", "table"],
  ]) {
    const broken = JSON.parse(JSON.stringify(raw));
    delete broken[name][field];
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(broken));
    assert.throws(
      () => readPublishedLaws(file),
      (e: unknown) => e instanceof InputError && e.message.includes(`${name}.${field}`),
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
