#!/usr/bin/python3
"""Make the tiny pretrained-encoder fixtures of lib/test/fixtures/pretrained/.

Run with Debian's Python (torch, numpy):  /usr/bin/python3 scripts/make_pretrained_fixtures.py

What it writes (everything is seeded, so re-running reproduces the same bytes):
  bert-tiny/                 BertForSequenceClassification layout ("bert." prefix, pooler, 1-logit
                             classifier), F32, plus a hand-written WordPiece tokenizer.json
  bert-tiny-sharded/         the same weights in BertModel layout (no prefix, no classifier) split
                             into two shards with model.safetensors.index.json
  modernbert-tiny/           ModernBertForSequenceClassification layout ("model." prefix, head.dense,
                             head.norm, classifier), F32, CLS pooling, no biases, plus a hand-written
                             byte-level BPE tokenizer.json
  modernbert-tiny-bf16/      ModernBERT with every bias switched on, mean pooling, tanh GELU, stored BF16
  modernbert-tiny-f16-mlm/   ModernBertForMaskedLM layout (head + decoder.bias, no classifier), stored F16
  dtypes.safetensors         hand-chosen bit patterns in F32, F16, BF16 and one I64 tensor
Each model folder holds config.json, the safetensors file(s) and reference.json: inputs, the last
hidden state [B, T, d] and (where the checkpoint has a classifier) the logits.

THE REFERENCE IS NOT `transformers`: it is not installed here (no PyPI access). The forward passes
below are written for this project in plain PyTorch from the published architectures, with the
Hugging Face weight names and shapes:
  * BERT (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers"): word +
    absolute position + token-type embeddings, LayerNorm; post-LN layers
    x = LN(x + Attn(x)), x = LN(x + W2 act(W1 x)); pooler tanh(W_p h_CLS); classifier on the pooler.
    Additive attention mask (1 - mask) * finfo.min on padded keys.
  * ModernBERT (Warner et al. 2024, "Smarter, Better, Faster, Longer: A Modern Bidirectional
    Encoder"): token embedding + LayerNorm (no bias by default); pre-norm layers (the first layer's
    attention norm is the identity, the embedding norm precedes it), fused Wqkv, rotary position
    embedding (rotate-half form) with global_rope_theta on global layers and local_rope_theta on
    local ones, layer i global iff i % global_attn_every_n_layers == 0, local layers attend to keys
    with |i - j| <= local_attention // 2; GeGLU MLP: Wi -> (input, gate) halves, Wo(act(input) * gate);
    final LayerNorm; classification head norm(act(dense(pooled))) with CLS or masked-mean pooling,
    then the classifier.
Safetensors files are written by the small writer below (8-byte little-endian header length, JSON
header padded with spaces to a multiple of 8, little-endian tensor bytes), also written here.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "lib", "test", "fixtures", "pretrained")
NEG = torch.finfo(torch.float32).min

# ----------------------------------------------------------------------------------------------
# safetensors writer
# ----------------------------------------------------------------------------------------------

def tensor_bytes(t, dtype):
    t = t.detach().contiguous()
    if dtype == "F32":
        return t.to(torch.float32).numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.to(torch.float16).numpy().astype("<f2").tobytes()
    if dtype == "BF16":
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "I64":
        return t.to(torch.int64).numpy().astype("<i8").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype="F32", raw=None):
    """tensors: ordered list of (name, torch tensor); raw: optional list of (name, dtype, shape, bytes)."""
    entries = []
    for name, t in tensors:
        entries.append((name, dtype, list(t.shape), tensor_bytes(t, dtype)))
    for item in raw or []:
        entries.append(item)
    header = {"__metadata__": {"format": "pt", "made_by": "scripts/make_pretrained_fixtures.py"}}
    off = 0
    for name, dt, shape, b in entries:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(b)]}
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _, _, _, b in entries:
            f.write(b)


def rounded(weights, dtype):
    """The float32 values a reader gets back from a checkpoint stored in `dtype`."""
    if dtype == "F32":
        return weights
    td = torch.float16 if dtype == "F16" else torch.bfloat16
    return {k: v.to(td).to(torch.float32) for k, v in weights.items()}


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def flat(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]

# ----------------------------------------------------------------------------------------------
# shared pieces
# ----------------------------------------------------------------------------------------------

def act(name, x):
    if name == "gelu":
        return F.gelu(x)
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu(x)
    if name == "silu":
        return F.silu(x)
    raise ValueError(name)


def attention(q, k, v, bias):
    """q, k, v: [B, H, T, dh]; bias: additive [B or 1, 1 or H, T or 1, T]."""
    s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    p = torch.softmax(s + bias, dim=-1)
    return torch.matmul(p, v)


def heads(x, n):
    B, T, d = x.shape
    return x.view(B, T, n, d // n).transpose(1, 2)


def merge(x):
    B, H, T, dh = x.shape
    return x.transpose(1, 2).reshape(B, T, H * dh)


def linear(x, W, name, bias=True):
    y = x @ W[name + ".weight"].t()
    if bias and (name + ".bias") in W:
        y = y + W[name + ".bias"]
    return y

# ----------------------------------------------------------------------------------------------
# BERT reference
# ----------------------------------------------------------------------------------------------

def bert_forward(W, cfg, ids, mask, types):
    eps = cfg["layer_norm_eps"]
    H = cfg["num_attention_heads"]
    d = cfg["hidden_size"]
    ln = lambda x, n: F.layer_norm(x, (d,), W[n + ".weight"], W[n + ".bias"], eps)
    T = ids.shape[1]
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T][None] \
        + W["embeddings.token_type_embeddings.weight"][types]
    x = ln(x, "embeddings.LayerNorm")
    bias = ((1.0 - mask.float()) * NEG)[:, None, None, :]
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        q = heads(linear(x, W, p + "attention.self.query"), H)
        k = heads(linear(x, W, p + "attention.self.key"), H)
        v = heads(linear(x, W, p + "attention.self.value"), H)
        a = linear(merge(attention(q, k, v, bias)), W, p + "attention.output.dense")
        x = ln(x + a, p + "attention.output.LayerNorm")
        f = linear(act(cfg["hidden_act"], linear(x, W, p + "intermediate.dense")), W, p + "output.dense")
        x = ln(x + f, p + "output.LayerNorm")
    pooled = torch.tanh(linear(x[:, 0], W, "pooler.dense"))
    logits = linear(pooled, W, "classifier") if "classifier.weight" in W else None
    return x, logits


def bert_weights(cfg, g, with_classifier=True):
    V, d, I, P, TV = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"], cfg["max_position_embeddings"], cfg["type_vocab_size"]
    r = lambda *s, std=0.2: torch.randn(*s, generator=g) * std
    W = {}
    W["embeddings.word_embeddings.weight"] = r(V, d, std=0.5)
    W["embeddings.position_embeddings.weight"] = r(P, d, std=0.3)
    W["embeddings.token_type_embeddings.weight"] = r(TV, d, std=0.3)
    W["embeddings.LayerNorm.weight"] = 1 + r(d, std=0.1)
    W["embeddings.LayerNorm.bias"] = r(d, std=0.1)
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for n in ("query", "key", "value"):
            W[p + "attention.self.%s.weight" % n] = r(d, d)
            W[p + "attention.self.%s.bias" % n] = r(d, std=0.1)
        W[p + "attention.output.dense.weight"] = r(d, d)
        W[p + "attention.output.dense.bias"] = r(d, std=0.1)
        W[p + "attention.output.LayerNorm.weight"] = 1 + r(d, std=0.1)
        W[p + "attention.output.LayerNorm.bias"] = r(d, std=0.1)
        W[p + "intermediate.dense.weight"] = r(I, d)
        W[p + "intermediate.dense.bias"] = r(I, std=0.1)
        W[p + "output.dense.weight"] = r(d, I)
        W[p + "output.dense.bias"] = r(d, std=0.1)
        W[p + "output.LayerNorm.weight"] = 1 + r(d, std=0.1)
        W[p + "output.LayerNorm.bias"] = r(d, std=0.1)
    W["pooler.dense.weight"] = r(d, d)
    W["pooler.dense.bias"] = r(d, std=0.1)
    if with_classifier:
        W["classifier.weight"] = r(1, d, std=0.5)
        W["classifier.bias"] = r(1, std=0.1)
    return W

# ----------------------------------------------------------------------------------------------
# ModernBERT reference
# ----------------------------------------------------------------------------------------------

def rope_tables(T, dh, theta):
    inv = 1.0 / (theta ** (torch.arange(0, dh, 2, dtype=torch.int64).float() / dh))
    freqs = torch.outer(torch.arange(T, dtype=torch.float32), inv)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def modernbert_forward(W, cfg, ids, mask):
    d, H, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["norm_eps"]
    dh = d // H
    def ln(x, n):
        return F.layer_norm(x, (d,), W[n + ".weight"], W.get(n + ".bias"), eps)
    B, T = ids.shape
    x = ln(W["embeddings.tok_embeddings.weight"][ids], "embeddings.norm")
    keys = mask.bool()[:, None, None, :].expand(B, 1, T, T)
    pos = torch.arange(T)
    window = ((pos[None, :] - pos[:, None]).abs() <= cfg["local_attention"] // 2)[None, None]
    zero = torch.zeros(())
    global_bias = torch.where(keys, zero, torch.full((), NEG))
    local_bias = torch.where(keys & window, zero, torch.full((), NEG))
    for i in range(cfg["num_hidden_layers"]):
        p = "layers.%d." % i
        is_global = i % cfg["global_attn_every_n_layers"] == 0
        theta = cfg["global_rope_theta"] if is_global else cfg["local_rope_theta"]
        cos, sin = rope_tables(T, dh, theta)
        h = x if i == 0 else ln(x, p + "attn_norm")
        qkv = linear(h, W, p + "attn.Wqkv").view(B, T, 3, H, dh)
        q, k, v = (qkv[:, :, j].transpose(1, 2) for j in range(3))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        a = attention(q, k, v, global_bias if is_global else local_bias)
        x = x + linear(merge(a), W, p + "attn.Wo")
        m = linear(ln(x, p + "mlp_norm"), W, p + "mlp.Wi")
        inp, gate = m.chunk(2, dim=-1)
        x = x + linear(act(cfg["hidden_activation"], inp) * gate, W, p + "mlp.Wo")
    x = ln(x, "final_norm")
    logits = None
    if "classifier.weight" in W:
        if cfg["classifier_pooling"] == "cls":
            pooled = x[:, 0]
        else:
            mf = mask.float()[:, :, None]
            pooled = (x * mf).sum(1) / mf.sum(1)
        hd = ln(act(cfg["classifier_activation"], linear(pooled, W, "head.dense")), "head.norm")
        logits = linear(hd, W, "classifier")
    return x, logits


def modernbert_weights(cfg, g, head=True, classifier=True, decoder=False):
    V, d, I = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
    nb, ab, mb, cb = cfg["norm_bias"], cfg["attention_bias"], cfg["mlp_bias"], cfg["classifier_bias"]
    r = lambda *s, std=0.2: torch.randn(*s, generator=g) * std
    W = {}
    def norm(n):
        W[n + ".weight"] = 1 + r(d, std=0.1)
        if nb:
            W[n + ".bias"] = r(d, std=0.1)
    W["embeddings.tok_embeddings.weight"] = r(V, d, std=0.5)
    norm("embeddings.norm")
    for i in range(cfg["num_hidden_layers"]):
        p = "layers.%d." % i
        if i != 0:
            norm(p + "attn_norm")
        W[p + "attn.Wqkv.weight"] = r(3 * d, d)
        if ab:
            W[p + "attn.Wqkv.bias"] = r(3 * d, std=0.1)
        W[p + "attn.Wo.weight"] = r(d, d)
        if ab:
            W[p + "attn.Wo.bias"] = r(d, std=0.1)
        norm(p + "mlp_norm")
        W[p + "mlp.Wi.weight"] = r(2 * I, d)
        if mb:
            W[p + "mlp.Wi.bias"] = r(2 * I, std=0.1)
        W[p + "mlp.Wo.weight"] = r(d, I)
        if mb:
            W[p + "mlp.Wo.bias"] = r(d, std=0.1)
    norm("final_norm")
    if head:
        W["head.dense.weight"] = r(d, d)
        if cb:
            W["head.dense.bias"] = r(d, std=0.1)
        norm("head.norm")
    if classifier:
        W["classifier.weight"] = r(1, d, std=0.5)
        W["classifier.bias"] = r(1, std=0.1)
    if decoder:
        W["decoder.bias"] = r(V, std=0.1)
    return W

# ----------------------------------------------------------------------------------------------
# inputs and tokenizers
# ----------------------------------------------------------------------------------------------

def make_inputs(g, lengths, T, cls, sep, pad, lo, hi):
    """Rows `[CLS] q [SEP] d [SEP]` of random ids in [lo, hi), padded with `pad` to T."""
    B = len(lengths)
    ids = torch.full((B, T), pad, dtype=torch.int64)
    mask = torch.zeros(B, T, dtype=torch.int64)
    types = torch.zeros(B, T, dtype=torch.int64)
    for b, n in enumerate(lengths):
        body = torch.randint(lo, hi, (n,), generator=g)
        nq = max(1, (n - 3) // 3)
        row = [cls] + body[:nq].tolist() + [sep] + body[nq:n - 3].tolist() + [sep]
        ids[b, :n] = torch.tensor(row)
        mask[b, :n] = 1
        types[b, nq + 2:n] = 1
    return ids, mask, types


SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def added(tokens_ids):
    return [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for t, i in tokens_ids]


def template(cls_id, sep_id, pair_type_b):
    tok = lambda n, t: {"SpecialToken": {"id": n, "type_id": t}}
    seq = lambda n, t: {"Sequence": {"id": n, "type_id": t}}
    return {
        "type": "TemplateProcessing",
        "single": [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0)],
        "pair": [tok("[CLS]", 0), seq("A", 0), tok("[SEP]", 0), seq("B", pair_type_b), tok("[SEP]", pair_type_b)],
        "special_tokens": {
            "[CLS]": {"id": "[CLS]", "ids": [cls_id], "tokens": ["[CLS]"]},
            "[SEP]": {"id": "[SEP]", "ids": [sep_id], "tokens": ["[SEP]"]},
        },
    }


BERT_WORDS = ["the", "what", "is", "cross", "encoder", "score", "query", "passage", "rank", "##er", "##ing",
              "law", "scaling", "model", ",", ".", "?"]


def bert_tokenizer(vocab_size):
    vocab = SPECIALS + BERT_WORDS + [chr(c) for c in range(ord("a"), ord("z") + 1)] \
        + ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    assert len(set(vocab)) == len(vocab)
    vocab += ["[unused%d]" % i for i in range(vocab_size - len(vocab))]
    assert len(vocab) == vocab_size
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added([(t, i) for i, t in enumerate(SPECIALS)]),
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": template(2, 3, 1),
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table (Radford et al. 2019)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = keep[:]
    n = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(keep, [chr(c) for c in chars]))


BPE_MERGES = ["h e", "l l", "Ġ w", "o r", "Ġw or", "he ll", "hell o"]


def bpe_tokenizer():
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}  # id of byte b is b
    for i, m in enumerate(BPE_MERGES):
        vocab[m.replace(" ", "")] = 256 + i
    base = 256 + len(BPE_MERGES)
    specials = [(t, base + i) for i, t in enumerate(SPECIALS)]
    for t, i in specials:
        vocab[t] = i
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added(specials),
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": template(base + 2, base + 3, 0),
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": BPE_MERGES},
    }, base

# ----------------------------------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------------------------------

def save_reference(folder, note, ids, mask, hidden, logits, extra):
    ref = {"note": note, "reference": "own PyTorch forward pass in scripts/make_pretrained_fixtures.py (not transformers)",
           "torch": torch.__version__, "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
           "hidden_shape": list(hidden.shape), "last_hidden_state": flat(hidden)}
    if logits is not None:
        ref["logits"] = flat(logits.reshape(-1))
    ref.update(extra)
    write_json(os.path.join(folder, "reference.json"), ref)


def numel(W, pred=lambda k: True):
    return int(sum(v.numel() for k, v in W.items() if pred(k)))


def make_bert():
    cfg = {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": 96,
           "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
           "hidden_act": "gelu", "max_position_embeddings": 64, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
           "initializer_range": 0.02, "pad_token_id": 0, "position_embedding_type": "absolute",
           "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
           "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}, "torch_dtype": "float32"}
    g = torch.Generator().manual_seed(9001)
    W = bert_weights(cfg, g)
    ids, mask, types = make_inputs(g, [16, 11, 7], 16, 2, 3, 0, 5, 96)
    with torch.no_grad():
        hidden, logits = bert_forward(W, cfg, ids, mask, types)
    emb = ("embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight")
    counts = {"total": numel(W), "embedding": numel(W, lambda k: k in emb)}

    folder = os.path.join(OUT, "bert-tiny")
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), cfg)
    write_safetensors(os.path.join(folder, "model.safetensors"), [("bert." + k if not k.startswith("classifier") else k, v) for k, v in W.items()])
    write_json(os.path.join(folder, "tokenizer.json"), bert_tokenizer(cfg["vocab_size"]))
    write_json(os.path.join(folder, "tokenizer_config.json"), {"do_lower_case": True, "model_max_length": 64,
                                                                "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                                                                "unk_token": "[UNK]", "mask_token": "[MASK]"})
    save_reference(folder, "BertForSequenceClassification, F32, post-LN, token types 1 after the first [SEP]", ids, mask, hidden, logits,
                   {"token_type_ids": types.tolist(), "param_counts": counts})

    # The same weights, BertModel layout (no prefix, no classifier), in two shards.
    sh = os.path.join(OUT, "bert-tiny-sharded")
    os.makedirs(sh, exist_ok=True)
    cfg2 = dict(cfg, architectures=["BertModel"])
    del cfg2["id2label"], cfg2["label2id"]
    write_json(os.path.join(sh, "config.json"), cfg2)
    body = [(k, v) for k, v in W.items() if not k.startswith("classifier")]
    half = len(body) // 2
    files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    write_safetensors(os.path.join(sh, files[0]), body[:half])
    write_safetensors(os.path.join(sh, files[1]), body[half:])
    index = {"metadata": {"total_size": 4 * numel(dict(body))},
             "weight_map": {k: files[0 if i < half else 1] for i, (k, _) in enumerate(body)}}
    write_json(os.path.join(sh, "model.safetensors.index.json"), index)
    save_reference(sh, "BertModel layout in two shards; same weights as bert-tiny, so same hidden states; no classifier",
                   ids, mask, hidden, None, {"token_type_ids": types.tolist()})


def modernbert_config(**over):
    cfg = {"architectures": ["ModernBertForSequenceClassification"], "model_type": "modernbert", "vocab_size": 272,
           "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 3, "num_attention_heads": 4,
           "hidden_activation": "gelu", "max_position_embeddings": 64, "initializer_range": 0.02,
           "initializer_cutoff_factor": 2.0, "norm_eps": 1e-5, "norm_bias": False, "pad_token_id": 263 + 0,
           "bos_token_id": 263 + 2, "eos_token_id": 263 + 3, "cls_token_id": 263 + 2, "sep_token_id": 263 + 3,
           "global_rope_theta": 160000.0, "local_rope_theta": 10000.0, "attention_bias": False, "attention_dropout": 0.0,
           "global_attn_every_n_layers": 2, "local_attention": 8, "embedding_dropout": 0.0, "mlp_bias": False,
           "mlp_dropout": 0.0, "decoder_bias": True, "classifier_pooling": "cls", "classifier_dropout": 0.0,
           "classifier_bias": False, "classifier_activation": "gelu", "torch_dtype": "float32",
           "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}}
    cfg.update(over)
    return cfg


def make_modernbert(name, seed, dtype, cfg, head=True, classifier=True, decoder=False, tokenizer=False, note=""):
    g = torch.Generator().manual_seed(seed)
    W = modernbert_weights(cfg, g, head=head, classifier=classifier, decoder=decoder)
    Wr = rounded(W, dtype)
    ids, mask, _ = make_inputs(g, [20, 13, 6], 20, cfg["cls_token_id"], cfg["sep_token_id"], cfg["pad_token_id"], 0, 263)
    with torch.no_grad():
        hidden, logits = modernbert_forward(Wr, cfg, ids, mask)
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), cfg)
    out = [("model." + k if not (k.startswith("head.") or k.startswith("classifier") or k.startswith("decoder")) else k, v)
           for k, v in W.items()]
    write_safetensors(os.path.join(folder, "model.safetensors"), out, dtype)
    if tokenizer:
        tj, base = bpe_tokenizer()
        assert base == 263
        write_json(os.path.join(folder, "tokenizer.json"), tj)
    counts = {"total": numel(W, lambda k: not k.startswith("decoder")), "embedding": numel(W, lambda k: k == "embeddings.tok_embeddings.weight")}
    save_reference(folder, note, ids, mask, hidden, logits, {"param_counts": counts, "dtype": dtype})


def make_dtypes():
    """Bit patterns whose float32 values are worked by hand in lib/test/pretrained/safetensors.test.ts."""
    f32 = np.array([1.0, -2.5, 3.1415927, 1e-40, np.inf, -0.0], dtype="<f4").reshape(2, 3).tobytes()
    f16 = np.array([0x3C00, 0xC100, 0x7BFF, 0x0001, 0x7C00, 0x8000], dtype="<u2").tobytes()
    bf16 = np.array([0x3F80, 0xC020, 0x4049, 0x0001, 0xFF80, 0x8000], dtype="<u2").tobytes()
    i64 = np.array([1, 2, 3], dtype="<i8").tobytes()
    write_safetensors(os.path.join(OUT, "dtypes.safetensors"), [], raw=[
        ("f32", "F32", [2, 3], f32), ("f16", "F16", [2, 3], f16), ("bf16", "BF16", [6], bf16), ("i64", "I64", [3], i64)])


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    make_bert()
    make_modernbert("modernbert-tiny", 9002, "F32", modernbert_config(), tokenizer=True,
                    note="ModernBertForSequenceClassification, F32, CLS pooling, no biases; layers 0 and 2 global, 1 local (window +-4)")
    make_modernbert("modernbert-tiny-bf16", 9003, "BF16",
                    modernbert_config(norm_bias=True, attention_bias=True, mlp_bias=True, classifier_bias=True,
                                      classifier_pooling="mean", hidden_activation="gelu_pytorch_tanh",
                                      classifier_activation="silu", local_rope_theta=500.0, torch_dtype="bfloat16"),
                    note="ModernBERT with every bias, mean pooling, tanh GELU, SiLU head, stored BF16; reference on the BF16-rounded weights")
    make_modernbert("modernbert-tiny-f16-mlm", 9004, "F16",
                    modernbert_config(architectures=["ModernBertForMaskedLM"], torch_dtype="float16"),
                    head=True, classifier=False, decoder=True,
                    note="ModernBertForMaskedLM layout (head + decoder.bias, no classifier), stored F16; reference on the F16-rounded weights")
    make_dtypes()
    total = 0
    for dp, _, fs in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(dp, f)) for f in fs)
    print("wrote %s (%.0f KB)" % (OUT, total / 1024))


if __name__ == "__main__":
    sys.exit(main())
