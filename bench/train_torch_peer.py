#!/usr/bin/python3
"""PyTorch peer of bench/train.bench.ts: the same cross-encoder trained the same way, timed on this CPU.

Model (identical to lib/src/model/crossencoder.ts): token + position + segment embeddings, L
pre-LayerNorm encoder layers (fused QKV d×3d, output d×d, FFN d×4d with exact-erf GELU, 4d×d),
final LayerNorm of the mean over non-padding positions, linear head d→1; BCE with logits; AdamW
(lr 1e-3, weight decay 0.01) with global-norm clipping 1.0. Batch B pairs of T tokens.

FLOPs per step = B · (6·N·T + 12·L·T²·d), N = L(12d² + 13d) + 3d + 1 (see lib/src/model/tiers.ts).

Usage: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/train_torch_peer.py L d [T B steps warmup threads heads device V]
(device: cpu [default], cuda, or auto = cuda when available; on CUDA every step ends with a synchronize.)
Prints one JSON object: seconds per step (median), examples/s, GFLOP/s, peak RSS MiB, losses.
"""
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F


class Layer(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.ln1 = torch.nn.LayerNorm(d, eps=1e-5)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.o = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d, eps=1e-5)
        self.f1 = torch.nn.Linear(d, 4 * d)
        self.f2 = torch.nn.Linear(4 * d, d)

    def forward(self, x, bias):
        B, T, d = x.shape
        dh = d // self.h
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (t.view(B, T, self.h, dh).transpose(1, 2) for t in (q, k, v))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + bias, dim=-1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(B, T, d))
        return x + self.f2(F.gelu(self.f1(self.ln2(x))))


def exact_match_flags(ids, seg, special_below=5):
    """1 where a token's id also occurs in the other segment of its row (lib/src/model/crossencoder.ts)."""
    same = ids.unsqueeze(2) == ids.unsqueeze(1)
    cross = seg.unsqueeze(2) != seg.unsqueeze(1)
    return ((same & cross).any(2) & (ids >= special_below)).long()


class CrossEncoder(torch.nn.Module):
    def __init__(self, V, T, L, d, heads, match=False):
        super().__init__()
        self.tok = torch.nn.Embedding(V, d)
        self.pos = torch.nn.Embedding(T, d)
        self.seg = torch.nn.Embedding(2, d)
        self.match = torch.nn.Embedding(2, d) if match else None
        self.layers = torch.nn.ModuleList([Layer(d, heads) for _ in range(L)])
        self.lnf = torch.nn.LayerNorm(d, eps=1e-5)
        self.head = torch.nn.Linear(d, 1)

    def forward(self, ids, seg):
        B, T = ids.shape
        keep = (ids != 0).float()
        bias = ((1 - keep) * -1e9).view(B, 1, 1, T)
        x = self.tok(ids) + self.pos.weight[:T] + self.seg(seg)
        if self.match is not None:
            x = x + self.match(exact_match_flags(ids, seg))
        for layer in self.layers:
            x = layer(x, bias)
        pooled = (x * keep.unsqueeze(-1)).sum(1) / keep.sum(1, keepdim=True).clamp(min=1)
        return self.head(self.lnf(pooled)).squeeze(-1)


def main():
    a = sys.argv[1:]
    L, d = int(a[0]), int(a[1])
    T = int(a[2]) if len(a) > 2 else 128
    B = int(a[3]) if len(a) > 3 else 32
    steps = int(a[4]) if len(a) > 4 else 3
    warmup = int(a[5]) if len(a) > 5 else 1
    threads = int(a[6]) if len(a) > 6 else 2
    heads = int(a[7]) if len(a) > 7 else 4
    device = a[8] if len(a) > 8 else "cpu"
    V = int(a[9]) if len(a) > 9 else 8192
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = CrossEncoder(V, T, L, d, heads).to(device)
    n_non_emb = sum(p.numel() for n, p in model.named_parameters() if not n.startswith(("tok", "pos", "seg", "match")))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(5, V, (B, T), generator=g)
    ids[:, T - 8:] = 0  # some padding
    seg = torch.zeros(B, T, dtype=torch.long)
    seg[:, T // 4:] = 1
    labels = (torch.arange(B) % 11 == 0).float()
    ids, seg, labels = ids.to(device), seg.to(device), labels.to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    times, cpus, losses = [], [], []
    for s in range(warmup + steps):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = F.binary_cross_entropy_with_logits(model(ids, seg), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sync()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        losses.append(float(loss))
        if s >= warmup:
            times.append(dt)
            cpus.append(dc)
    sps = statistics.median(times)
    flops = B * (6 * n_non_emb * T + 12 * L * T * T * d)
    print(json.dumps({
        "engine": f"torch {torch.__version__} ({torch.cuda.get_device_name() if device == 'cuda' else f'{threads} threads'})",
        "device": device,
        "L": L, "d": d, "T": T, "B": B, "nonEmbedding": n_non_emb,
        "secondsPerStep": sps, "cpuSecondsPerStep": statistics.median(cpus), "examplesPerSecond": B / sps, "gflopPerSecond": flops / sps / 1e9,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "losses": losses,
    }))


if __name__ == "__main__":
    main()
