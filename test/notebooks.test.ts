/**
 * Integration tests of the notebook tooling against the real thing: the tslab kernel through
 * Debian's Jupyter client, tslab's in-process executor, and the committed notebooks on disk.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ROOT,
  findJupyterPython,
  kernelEnv,
  listNotebooks,
  runNotebook,
  type Engine,
} from "../scripts/nbrun";
import { cleanNotebook } from "../scripts/clean-notebooks";

const TMP = path.join(ROOT, "results", "tmp-tests");

function writeNotebook(name: string, cells: string[]): string {
  fs.mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, name);
  const nb = {
    cells: cells.map((src, i) => ({
      cell_type: "code",
      id: `c${i}`,
      metadata: {},
      source: src,
      execution_count: null,
      outputs: [],
    })),
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

const haveJupyter = findJupyterPython() !== null;
const engines: Engine[] = haveJupyter ? ["inprocess", "jupyter"] : ["inprocess"];

for (const engine of engines) {
  test(`${engine}: a type error stops the run, exit non-zero, cell source and compiler message shown`, async () => {
    const nb = writeNotebook(`broken-type-${engine}.ipynb`, [
      "const ok: number = 1 + 1;",
      "const s: string = ok;",
      "console.log('never reached');",
    ]);
    const r = await runNotebook(nb, {
      engine,
      profile: "smoke",
      quiet: true,
      output: nb.replace(".ipynb", ".out.ipynb"),
    });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /const s: string = ok;/);
    assert.match(r.stderr, /Type 'number' is not assignable to type 'string'/);
    const out = JSON.parse(fs.readFileSync(r.output, "utf8"));
    const texts = JSON.stringify(out.cells[2].outputs);
    assert.doesNotMatch(texts, /never reached/);
  });

  test(`${engine}: a runtime error names the thrown message; outputs and displays are captured`, async () => {
    const nb = writeNotebook(`broken-throw-${engine}.ipynb`, [
      'import { showTable } from "scalerank";\nshowTable([{ a: 1, b: 2.5 }]);\nconsole.log("sum", 2 + 3);',
      'throw new Error("deliberate failure 7421");',
    ]);
    const r = await runNotebook(nb, {
      engine,
      profile: "smoke",
      quiet: true,
      output: nb.replace(".ipynb", ".out.ipynb"),
    });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /deliberate failure 7421/);
    const out = JSON.parse(fs.readFileSync(r.output, "utf8"));
    const first = out.cells[0].outputs;
    const display = first.find((o: { output_type: string }) => o.output_type === "display_data");
    assert.ok(display, "showTable produced a display_data output");
    const html = display.data["text/html"];
    assert.match(Array.isArray(html) ? html.join("") : html, /<td>2.500<\/td>/);
    assert.match(JSON.stringify(first), /sum 5/);
  });

  test(`${engine}: an error thrown in the library points at its TypeScript source line`, async () => {
    const nb = writeNotebook(`broken-lib-${engine}.ipynb`, [
      'import { getTier } from "scalerank";\ngetTier("no-such-tier");',
    ]);
    const r = await runNotebook(nb, {
      engine,
      profile: "smoke",
      quiet: true,
      output: nb.replace(".ipynb", ".out.ipynb"),
    });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /unknown tier "no-such-tier"/);
    assert.match(r.stderr, /lib\/src\/model\/tiers\.ts:\d+/);
  });
}

test(
  "the tslab kernelspec is visible to Jupyter through the committed .jupyter folder",
  { skip: !haveJupyter && "Jupyter (python3-nbclient) not installed" },
  () => {
    const py = findJupyterPython()!;
    const r = spawnSync(py, ["-m", "jupyter_client.kernelspecapp", "list"], {
      env: kernelEnv("smoke"),
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /tslab\s+\S+\.jupyter\/kernels\/tslab/);
  },
);

test("committed notebooks are clean: no outputs, no execution counts", () => {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "scripts", "clean-notebooks.ts"), "--check"],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(listNotebooks().length >= 1);
});

test("the clean step strips outputs and counts (so the check above can fail)", () => {
  const nb = {
    cells: [
      {
        cell_type: "code",
        source: "1",
        metadata: { execution: {} },
        execution_count: 3,
        outputs: [{ output_type: "stream", name: "stdout", text: "1" }],
      },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  const clean = JSON.parse(cleanNotebook(structuredClone(nb)));
  assert.equal(clean.cells[0].execution_count, null);
  assert.deepEqual(clean.cells[0].outputs, []);
  assert.deepEqual(clean.cells[0].metadata, {});
});

test("clean-notebooks rewrites temp-then-rename; a damaged notebook is named, exit 1, file untouched", () => {
  fs.mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, "dirty.ipynb");
  const nb = {
    cells: [
      {
        cell_type: "code",
        id: "c0",
        source: "1\n2",
        metadata: { scrolled: true, jupyter: { outputs_hidden: false } },
        execution_count: 4,
        outputs: [{ output_type: "stream", name: "stdout", text: "1" }],
      },
    ],
    metadata: {
      kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" },
      language_info: { name: "typescript", version: "3.7.2", codemirror_mode: { mode: "typescript" } },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  const inode = fs.statSync(file).ino;
  const cli = (f: string) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "clean-notebooks.ts"), f], {
      cwd: ROOT,
      encoding: "utf8",
    });
  assert.equal(cli(file).status, 0);
  assert.notEqual(fs.statSync(file).ino, inode, "written to a new file and renamed over the old one");
  const clean = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.deepEqual(clean.cells[0].source, ["1\n", "2"]);
  assert.deepEqual(clean.cells[0].metadata, {});
  assert.deepEqual(clean.metadata.language_info, {
    file_extension: ".ts",
    mimetype: "text/typescript",
    name: "typescript",
  });
  assert.equal(fs.readdirSync(TMP).filter((f) => f.endsWith(".tmp")).length, 0);
  const broken = path.join(TMP, "broken.ipynb");
  fs.writeFileSync(broken, '{"cells": [');
  const r = cli(broken);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /broken\.ipynb: not a notebook/);
  assert.equal(fs.readFileSync(broken, "utf8"), '{"cells": [');
});
