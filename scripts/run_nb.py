"""Execute one notebook through a real Jupyter client (nbclient) with the tslab kernel.

Usage: run_nb.py NOTEBOOK OUTPUT [TIMEOUT_SECONDS]

Runs from the notebook's own folder (tslab compiles relative to the kernel's cwd), writes the
executed copy to OUTPUT (also when a cell fails, so the partial output can be inspected), and on
a failing cell prints that cell's source and its stderr/error outputs -- tslab puts the real
compiler or runtime message into the cell's stderr stream, not into the error reply -- then
exits 1. Called by scripts/notebooks.ts; needs Debian's python3-nbclient.
"""
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError


def failing_cell_report(nb, index):
    cell = nb.cells[index]
    lines = [f"--- failing cell {index} ---", cell.source, "--- its output ---"]
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            lines.append(f"[{out.get('name')}] {out.get('text', '')}")
        elif out.get("output_type") == "error":
            lines.append(f"[error] {out.get('ename', '')}: {out.get('evalue', '')}")
            lines.extend(out.get("traceback", []))
    return "\n".join(lines)


ECHO = os.environ.get("NOTEBOOK_ECHO") == "1"


class EchoingClient(NotebookClient):
    """A NotebookClient that also writes every stream output to stderr as it arrives (live progress)."""

    def output(self, outs, msg, display_id, cell_index):
        if ECHO and msg.get("msg_type") == "stream":
            sys.stderr.write(msg["content"].get("text", ""))
            sys.stderr.flush()
        return super().output(outs, msg, display_id, cell_index)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    timeout = int(sys.argv[3]) if len(sys.argv) > 3 else 3600
    nb = nbformat.read(src, as_version=4)
    client = EchoingClient(
        nb,
        kernel_name="tslab",
        timeout=timeout,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    current = {"index": -1}

    def on_start(cell, cell_index, **kw):
        current["index"] = cell_index
        t = time.strftime("%H:%M:%S")
        first = (cell.source.splitlines() or [""])[0][:70]
        print(f"[{t}] cell {cell_index}: {first}", file=sys.stderr, flush=True)

    client.on_cell_start = on_start
    ok = True
    try:
        client.execute()
    except (CellExecutionError, DeadKernelError) as e:
        ok = False
        idx = current["index"]
        if idx >= 0:
            print(failing_cell_report(nb, idx), file=sys.stderr)
        else:
            print(str(e), file=sys.stderr)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    tmp = dst + ".tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, dst)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
