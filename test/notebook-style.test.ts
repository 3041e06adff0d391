/**
 * The committed notebooks read like a textbook: no code cell over 30 lines, no line over 120
 * characters in any cell, and the scaling-law notebooks (04–06) take their records from the
 * library's `lawStudy` instead of selecting them themselves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, listNotebooks } from "../scripts/nbrun";

const MAX_CELL_LINES = 30;
const MAX_LINE = 120;

interface Cell {
  cell_type: string;
  source: string[] | string;
}

function cellsOf(file: string): { type: string; lines: string[] }[] {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: Cell[] };
  return nb.cells.map((c) => ({
    type: c.cell_type,
    lines: (Array.isArray(c.source) ? c.source.join("") : c.source).split("\n"),
  }));
}

const notebooks = listNotebooks();

test("there are notebooks to check", () => {
  assert.ok(notebooks.length >= 9, `found ${notebooks.length} notebooks`);
});

for (const file of notebooks) {
  const name = path.basename(file);
  test(`${name}: code cells of at most ${MAX_CELL_LINES} lines, lines of at most ${MAX_LINE} characters`, () => {
    const problems: string[] = [];
    cellsOf(file).forEach((c, i) => {
      if (c.type === "code" && c.lines.length > MAX_CELL_LINES)
        problems.push(`cell ${i}: ${c.lines.length} lines`);
      c.lines.forEach((l, j) => {
        if (l.length > MAX_LINE) problems.push(`cell ${i} line ${j + 1}: ${l.length} characters`);
      });
    });
    assert.deepEqual(problems, [], `${name}:\n${problems.join("\n")}`);
  });
}

test("notebooks 04-06 take their records from lawStudy, not from a selection block of their own", () => {
  for (const stem of ["04_fit_laws", "05_forecast", "06_compute_allocation"]) {
    const code = cellsOf(path.join(ROOT, "notebooks", `${stem}.ipynb`))
      .filter((c) => c.type === "code")
      .map((c) => c.lines.join("\n"))
      .join("\n");
    assert.match(code, /sr\.lawStudy\(/, `${stem} calls sr.lawStudy`);
    for (const own of ["lawRecords(", "recordsOrSynthetic(", "consistentRecords(", "paperGridMetrics("])
      assert.ok(!code.includes(own), `${stem} calls ${own} itself`);
  }
});
