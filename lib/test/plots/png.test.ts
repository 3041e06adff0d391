import { test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodePng, pngContent } from "../../src/plots/png";
import { removeStaleFigures } from "../../src/plots/figures";

/** Build a PNG by hand: RGB, 8 bit, with the given filter per row. */
function makePng(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
  filter = 0,
): Buffer {
  const rows: number[] = [];
  let prev = new Array(width * 3).fill(0);
  for (let y = 0; y < height; y++) {
    const cur: number[] = [];
    for (let x = 0; x < width; x++) cur.push(...pixel(x, y));
    rows.push(filter);
    // filter 2 (Up): store difference to the row above
    for (let i = 0; i < cur.length; i++) rows.push(filter === 2 ? (cur[i] - prev[i]) & 255 : cur[i]);
    prev = cur;
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, "ascii"), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(Buffer.from(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

test("a blank white image has no content", () => {
  const c = pngContent(makePng(10, 10, () => [255, 255, 255]));
  assert.deepEqual(c, { width: 10, height: 10, distinctColors: 1, nonBackgroundFraction: 0 });
});

test("a 10×10 image with a 2-pixel-wide black stripe has 20% content (Up filter decoded)", () => {
  const img = makePng(10, 10, (x) => (x < 2 ? [0, 0, 0] : [255, 255, 255]), 2);
  const c = pngContent(img);
  assert.equal(c.distinctColors, 2);
  assert.equal(c.nonBackgroundFraction, 0.2);
  const d = decodePng(img);
  assert.deepEqual([...d.rgba.subarray(0, 8)], [0, 0, 0, 255, 0, 0, 0, 255]);
});

test("not a PNG is rejected", () => {
  assert.throws(() => decodePng(Buffer.from("hello world!")), /not a PNG/);
});

test("stale figures of the same notebook are removed, others kept", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "figs-"));
  for (const f of ["04_a.svg", "04_a.png", "04_old.png", "05_x.svg", "notes.txt"])
    fs.writeFileSync(path.join(dir, f), "x");
  assert.deepEqual(removeStaleFigures(dir, ["04_a"]), ["04_old.png"]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["04_a.png", "04_a.svg", "05_x.svg", "notes.txt"]);
  fs.rmSync(dir, { recursive: true, force: true });
});
