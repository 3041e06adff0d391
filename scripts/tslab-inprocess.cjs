#!/usr/bin/env node
/*
 * Execute one notebook in-process with tslab's own converter and executor: no Jupyter, no
 * ZeroMQ, only Node. This is the engine `npm run notebooks`/`npm run reproduce` fall back to on
 * a machine without Jupyter. It behaves like the tslab kernel: each code cell is compiled by
 * tslab's TypeScript and run in one shared context; stdout/stderr become stream outputs;
 * `tslab.display.*` calls become display_data outputs; the first failing cell stops the run.
 *
 * Usage (the current directory must be the notebook's folder):
 *   node scripts/tslab-inprocess.cjs NOTEBOOK.ipynb OUTPUT.ipynb
 * Exit code 0 on success, 1 if a cell failed (its source and stderr are printed).
 */
"use strict";
const fs = require("fs");
const path = require("path");

function loadTslab() {
  const pkg = require.resolve("tslab/package.json", { paths: [process.cwd(), __dirname] });
  const dir = path.dirname(pkg);
  return {
    createConverter: require(path.join(dir, "dist", "converter")).createConverter,
    createExecutor: require(path.join(dir, "dist", "executor")).createExecutor,
    jupyter: require(path.join(dir, "dist", "jupyter")),
  };
}

function converterSet(createConverter) {
  let node = null;
  let browser = null;
  return {
    get node() {
      return (node = node || createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (browser = browser || createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      if (node) node.close();
      if (browser) browser.close();
    },
  };
}

/** Redirect process stdout/stderr writes into `outputs` (merging consecutive chunks of a stream). */
function captureStreams(outputs, echo) {
  const orig = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const make = (name) => (chunk, encoding, cb) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const last = outputs[outputs.length - 1];
    if (last && last.output_type === "stream" && last.name === name) last.text += text;
    else outputs.push({ output_type: "stream", name, text });
    if (echo) orig.err(text);
    if (typeof encoding === "function") encoding();
    else if (typeof cb === "function") cb();
    return true;
  };
  process.stdout.write = make("stdout");
  process.stderr.write = make("stderr");
  return () => {
    process.stdout.write = orig.out;
    process.stderr.write = orig.err;
  };
}

function asLines(text) {
  const parts = text.split(/(?<=\n)/);
  return parts.length === 1 && parts[0] === "" ? [] : parts;
}

async function main() {
  const [src, dst] = process.argv.slice(2);
  if (!src || !dst) {
    console.error("usage: tslab-inprocess.cjs NOTEBOOK OUTPUT");
    process.exit(2);
  }
  const echo = process.env.NOTEBOOK_ECHO === "1";
  const nb = JSON.parse(fs.readFileSync(src, "utf8"));
  const { createConverter, createExecutor, jupyter } = loadTslab();
  const convs = converterSet(createConverter);
  const executor = createExecutor(process.cwd(), convs, {
    log: (...a) => console.log(...a),
    error: (...a) => console.error(...a),
  });
  let ok = true;
  let count = 0;
  for (let i = 0; i < nb.cells.length; i++) {
    const cell = nb.cells[i];
    if (cell.cell_type !== "code") continue;
    const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    const outputs = [];
    const byDisplayId = new Map();
    jupyter.lastWriteDisplayData = (data, update) => {
      const id = data.transient && data.transient.display_id;
      const out = { output_type: "display_data", data: data.data, metadata: data.metadata || {} };
      if (update && id && byDisplayId.has(id)) outputs[byDisplayId.get(id)] = out;
      else {
        if (id) byDisplayId.set(id, outputs.length);
        outputs.push(out);
      }
    };
    const first = (source.split("\n")[0] || "").slice(0, 70);
    process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] cell ${i}: ${first}\n`);
    const restore = captureStreams(outputs, echo);
    let cellOk;
    try {
      cellOk = await executor.execute(source);
    } catch (e) {
      cellOk = false;
      outputs.push({ output_type: "stream", name: "stderr", text: String((e && e.stack) || e) + "\n" });
    } finally {
      restore();
    }
    count++;
    cell.execution_count = count;
    cell.outputs = outputs.map((o) => (o.output_type === "stream" ? { ...o, text: asLines(o.text) } : o));
    if (!cellOk) {
      ok = false;
      const err = outputs
        .filter((o) => o.output_type === "stream")
        .map((o) => `[${o.name}] ${o.text}`)
        .join("");
      process.stderr.write(`--- failing cell ${i} ---\n${source}\n--- its output ---\n${err}\n`);
      break;
    }
  }
  fs.mkdirSync(path.dirname(path.resolve(dst)), { recursive: true });
  const tmp = `${dst}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(nb, null, 1) + "\n");
  fs.renameSync(tmp, dst);
  executor.close();
  convs.close();
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
