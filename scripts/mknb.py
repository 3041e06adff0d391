"""Author a notebook from a plain-text source: cells separated by lines '# %% [markdown]' or
'# %%' (code). Usage: mknb.py SOURCE.txt OUT.ipynb. Used while writing notebooks; the .ipynb is
what is committed and run."""
import json
import sys


def parse(text):
    cells, kind, buf = [], None, []

    def flush():
        if kind is not None:
            src = "\n".join(buf).strip("\n")
            cells.append((kind, src))

    for line in text.splitlines():
        if line.startswith("# %% [markdown]"):
            flush(); kind, buf = "markdown", []
        elif line.startswith("# %%"):
            flush(); kind, buf = "code", []
        else:
            buf.append(line)
    flush()
    return cells


def to_nb(cells):
    out = []
    for i, (kind, src) in enumerate(cells):
        lines = src.split("\n")
        source = [l + "\n" for l in lines[:-1]] + [lines[-1]]
        cell = {"cell_type": kind, "id": f"c{i:02d}", "metadata": {}, "source": source}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        out.append(cell)
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


if __name__ == "__main__":
    text = open(sys.argv[1]).read()
    with open(sys.argv[2], "w") as f:
        f.write(json.dumps(to_nb(parse(text)), indent=1, ensure_ascii=False) + "\n")
