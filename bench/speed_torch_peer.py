#!/usr/bin/python3
"""PyTorch peer of bench/speed.bench.ts: one config (A, B or C) timed on this CPU.

The model is bench/train_torch_peer.py's cross-encoder (the same architecture as
lib/src/model/crossencoder.ts, with the exact-match embedding when asked). Training steps are
forward, loss, backward, global-norm clipping 1.0 and AdamW (lr 1e-3, weight decay 0.01), as
lib/src/train/step.ts takes them; scoring is a forward pass under no_grad in batches.

Usage: python bench/speed_torch_peer.py '<json>' with the keys
  L d heads V T n objective group match mode (train|score) steps warmup threads
(objective: pointwise = BCE with logits; listwise = ListNet, cross entropy between the softmax of
the labels and the log-softmax of the scores over groups of `group` documents.)
Prints one JSON object: {"engine", "times_ms": [...], "median_ms", "losses"}.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from train_torch_peer import CrossEncoder


def batch(c, g):
    ids = torch.randint(5, c["V"], (c["n"], c["T"]), generator=g)
    ids[:, 0] = 2
    q = c["T"] // 8
    ids[:, q] = 3
    ids[:, c["T"] - 6] = 3
    ids[:, c["T"] - 5:] = 0
    sep = (ids == 3).long()
    seg = ((sep.cumsum(1) - sep) > 0).long()
    labels = (torch.arange(c["n"]) % c["group"] == 0).float()
    return ids, seg, labels


def loss_of(c, scores, labels):
    if c["objective"] == "pointwise":
        return F.binary_cross_entropy_with_logits(scores, labels)
    s, y = scores.view(-1, c["group"]), labels.view(-1, c["group"])
    return -(torch.softmax(y, 1) * torch.log_softmax(s, 1)).sum(1).mean()


def main():
    c = json.loads(sys.argv[1])
    torch.set_num_threads(c["threads"])
    torch.manual_seed(1)
    model = CrossEncoder(c["V"], c["T"], c["L"], c["d"], c["heads"], match=c["match"])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    ids, seg, labels = batch(c, torch.Generator().manual_seed(2))
    times, losses = [], []
    for s in range(c["warmup"] + c["steps"]):
        t0 = time.perf_counter()
        if c["mode"] == "score":
            with torch.no_grad():
                losses.append(float(model(ids, seg)[0]))
        else:
            opt.zero_grad(set_to_none=True)
            loss = loss_of(c, model(ids, seg), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(loss.detach().item())
        if s >= c["warmup"]:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        "engine": f"torch {torch.__version__} ({c['threads']} thread{'s' if c['threads'] > 1 else ''})",
        "times_ms": times, "median_ms": statistics.median(times), "losses": losses,
    }))


if __name__ == "__main__":
    main()
