#!/usr/bin/env python3
"""Independent PyTorch reference of the LLaDA / MMaDA mask predictor (the published architecture of
ML-GSAI/LLaDA `modeling_llada.py`, MMaDA `models/modeling_llada.py`), used to check the TypeScript
implementation.

It builds a tiny random checkpoint in the upstream layout (config.json, BF16 safetensors shards and
model.safetensors.index.json) and writes the reference outputs the parity tests compare against:
logits without a mask, with a symmetric pad mask, and the ids of greedy (temperature 0)
semi-autoregressive generation with low-confidence remasking.

Run with Debian's PyTorch (apt-get install python3-torch python3-numpy):
    /usr/bin/python3 scripts/reference/llada_reference.py [OUTPUT_DIR]
OUTPUT_DIR defaults to tests/model-parity/fixtures. Deterministic: the same files on every run.

The other direction, a checkpoint directory written by MMaDA-TS (config.json and model.safetensors, or the
shards of model.safetensors.index.json) read back in PyTorch, prints the logits [1, T, V] of one sequence as JSON:
    /usr/bin/python3 scripts/reference/llada_reference.py --logits CHECKPOINT_DIR 1,2,3
"""
import json
import math
import os
import struct
import sys

import torch

torch.set_num_threads(1)

# ---------------------------------------------------------------------------------------------------------
# Config: a LLaDA block at toy size. The last ids of the vocabulary play MASK, EOS (= PAD) and BOS.
VOCAB = 48
CONFIG = {
    "activation_type": "silu",
    "alibi": False,
    "architectures": ["LLaDAModelLM"],
    "attention_layer_norm": False,
    "bias_for_layer_norm": False,
    "block_type": "llama",
    "d_model": 16,
    "embedding_size": VOCAB,
    "eos_token_id": VOCAB - 2,
    "include_bias": False,
    "include_qkv_bias": False,
    "input_emb_norm": False,
    "layer_norm_type": "rms",
    "layer_norm_with_affine": True,
    "mask_token_id": VOCAB - 1,
    "max_sequence_length": 64,
    "mlp_hidden_size": 40,
    "mlp_ratio": 4,
    "model_type": "llada",
    "n_heads": 2,
    "n_kv_heads": 2,
    "n_layers": 2,
    "pad_token_id": VOCAB - 2,
    "rms_norm_eps": 1e-05,
    "rope": True,
    "rope_full_precision": True,
    "rope_theta": 10000.0,
    "scale_logits": False,
    "vocab_size": VOCAB,
    "weight_tying": False,
}
MASK_ID = CONFIG["mask_token_id"]
BOS_ID = VOCAB - 3


def tensor_names(cfg):
    d, h, n = cfg["d_model"], cfg["mlp_hidden_size"], cfg["n_layers"]
    v = cfg["embedding_size"]
    out = [("model.transformer.wte.weight", [v, d])]
    for i in range(n):
        p = f"model.transformer.blocks.{i}."
        out += [
            (p + "attn_norm.weight", [d]),
            (p + "q_proj.weight", [d, d]),
            (p + "k_proj.weight", [d, d]),
            (p + "v_proj.weight", [d, d]),
            (p + "attn_out.weight", [d, d]),
            (p + "ff_norm.weight", [d]),
            (p + "ff_proj.weight", [h, d]),
            (p + "up_proj.weight", [h, d]),
            (p + "ff_out.weight", [d, h]),
        ]
    out += [("model.transformer.ln_f.weight", [d]), ("model.transformer.ff_out.weight", [v, d])]
    return out


def random_weights(cfg, seed=1234):
    """Matrices ~ N(0, 0.5²), norms ~ 1 + N(0, 0.1²): large enough that a wrong op shows in the logits.
    Every value is rounded to bfloat16, the dtype the checkpoint stores. MASK_ID is defined below."""
    g = torch.Generator().manual_seed(seed)
    w = {}
    for name, shape in tensor_names(cfg):
        if len(shape) == 1:
            t = 1.0 + 0.1 * torch.randn(shape, generator=g)
        else:
            t = 0.5 * torch.randn(shape, generator=g)
        w[name] = t.to(torch.bfloat16).to(torch.float32)
    # A zero head row for MASK: its logit is 0 while the others spread around it, so greedy decoding never
    # predicts MASK itself (as a trained model does not), keeping the generation cases unambiguous.
    w["model.transformer.ff_out.weight"][MASK_ID] = 0.0
    return w


# ---------------------------------------------------------------------------------------------------------
# The model, written from the published architecture.

def rms_norm(x, weight, eps):
    x32 = x.to(torch.float32)
    y = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return weight * y.to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope(x, theta):
    """x: [B, H, T, D]; absolute positions 0..T-1; NeoX rotate-half layout, in float32."""
    T, D = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
    pos = torch.arange(T, dtype=torch.float32)
    freqs = torch.einsum("i,j->ij", pos, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    x32 = x.to(torch.float32)
    return (x32 * cos + rotate_half(x32) * sin).to(x.dtype)


def forward(w, cfg, ids, pad_mask=None):
    """ids: [B, T] long; pad_mask: [B, T] (1 = real) or None. Returns logits [B, T, V] float32."""
    B, T = ids.shape
    d, H = cfg["d_model"], cfg["n_heads"]
    hd = d // H
    eps = cfg["rms_norm_eps"]
    h = w["model.transformer.wte.weight"][ids]
    bias = None
    if pad_mask is not None:
        m = pad_mask.to(torch.bool)
        keep = m[:, None, :, None] & m[:, None, None, :]  # [B, 1, T, T]
        bias = torch.zeros(B, 1, T, T, dtype=torch.float32)
        bias = bias.masked_fill(~keep, torch.finfo(torch.float32).min)
    if cfg.get("alibi", False):
        # modeling_llada.py's alibi_attention_bias: head h adds -|i - j| / 2^((h+1) * alibi_bias_max / H).
        pos = torch.arange(T, dtype=torch.float32)
        slopes = 1.0 / 2 ** (torch.arange(1, H + 1, dtype=torch.float32) * (cfg["alibi_bias_max"] / H))
        alibi = -(pos[None, :] - pos[:, None]).abs()[None, None] * slopes.view(1, H, 1, 1)
        bias = alibi if bias is None else bias + alibi
    for i in range(cfg["n_layers"]):
        p = lambda n: w[f"model.transformer.blocks.{i}.{n}.weight"]
        x = rms_norm(h, p("attn_norm"), eps)
        q = (x @ p("q_proj").T).view(B, T, H, hd).transpose(1, 2)
        k = (x @ p("k_proj").T).view(B, T, H, hd).transpose(1, 2)
        v = (x @ p("v_proj").T).view(B, T, H, hd).transpose(1, 2)
        if cfg.get("rope", True):
            q, k = rope(q, cfg["rope_theta"]), rope(k, cfg["rope_theta"])
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        if bias is not None:
            scores = scores + bias
        a = torch.softmax(scores, dim=-1) @ v
        a = a.transpose(1, 2).reshape(B, T, d)
        h = h + a @ p("attn_out").T
        x = rms_norm(h, p("ff_norm"), eps)
        h = h + (torch.nn.functional.silu(x @ p("ff_proj").T) * (x @ p("up_proj").T)) @ p("ff_out").T
    h = rms_norm(h, w["model.transformer.ln_f.weight"], eps)
    return h @ w["model.transformer.ff_out.weight"].T


# ---------------------------------------------------------------------------------------------------------
# Greedy semi-autoregressive sampling (LLaDA generate.py with temperature 0, low-confidence remasking).

def num_transfer_tokens(n, steps):
    base, rem = divmod(n, steps)
    return [base + (1 if s < rem else 0) for s in range(steps)]


def generate_greedy(w, cfg, prompt, gen_length, steps, block_length):
    B = prompt.shape[0]
    P = prompt.shape[1]
    x = torch.full((B, P + gen_length), MASK_ID, dtype=torch.long)
    x[:, :P] = prompt
    assert gen_length % block_length == 0
    nb = gen_length // block_length
    assert steps % nb == 0
    spb = steps // nb
    for b in range(nb):
        lo, hi = P + b * block_length, P + (b + 1) * block_length
        counts = [num_transfer_tokens(int((x[j, lo:hi] == MASK_ID).sum()), spb) for j in range(B)]
        for s in range(spb):
            masked = x == MASK_ID
            logits = forward(w, cfg, x).to(torch.float64)
            x0 = logits.argmax(-1)  # ties: lowest index
            p = torch.softmax(logits, dim=-1)
            conf = torch.gather(p, -1, x0[..., None])[..., 0]
            conf[:, hi:] = -math.inf
            conf = torch.where(masked, conf, torch.full_like(conf, -math.inf))
            x0 = torch.where(masked, x0, x)
            for j in range(B):
                k = counts[j][s]
                order = sorted(range(x.shape[1]), key=lambda i: (-conf[j, i].item(), i))  # ties: lower index first
                for i in order[:k]:
                    x[j, i] = x0[j, i]
    return x


# ---------------------------------------------------------------------------------------------------------
# safetensors, written by hand (the format: u64 header length, JSON header, raw little-endian data).

def bf16_bytes(t):
    return t.contiguous().to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()


def write_safetensors(path, tensors):
    """tensors: list of (name, float32 tensor); stored as BF16."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        b = bf16_bytes(t)
        header[name] = {"dtype": "BF16", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_checkpoint(out_dir, cfg, w):
    """Two shards and an index, as Hugging Face writes a sharded checkpoint."""
    os.makedirs(out_dir, exist_ok=True)
    names = [n for n, _ in tensor_names(cfg)]
    half = len(names) // 2
    shards = [names[:half], names[half:]]
    files = [f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors" for i in range(len(shards))]
    weight_map = {}
    total = 0
    for names_i, file in zip(shards, files):
        write_safetensors(os.path.join(out_dir, file), [(n, w[n]) for n in names_i])
        for n in names_i:
            weight_map[n] = file
            total += w[n].numel() * 2
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------------------------------------------------
# Reading a checkpoint directory in the upstream layout (as MMaDA-TS writes it).

SAFETENSORS_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in SAFETENSORS_DTYPES:
            raise ValueError(f"{path}: {name}: dtype {entry['dtype']} is not one of {sorted(SAFETENSORS_DTYPES)}")
        begin, end = entry["data_offsets"]
        raw = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(raw, dtype=SAFETENSORS_DTYPES[entry["dtype"]]) if end > begin else torch.zeros(0)
        out[name] = t.reshape(entry["shape"]).to(torch.float32)
    return out


def read_checkpoint(directory):
    """config.json and the weights of model.safetensors or of the shards model.safetensors.index.json names."""
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    w = {}
    for file in files:
        w.update(read_safetensors(os.path.join(directory, file)))
    return cfg, w


def print_logits(directory, ids_text):
    cfg, w = read_checkpoint(directory)
    ids = torch.tensor([[int(i) for i in ids_text.split(",")]], dtype=torch.long)
    logits = forward(w, cfg, ids)
    json.dump({"shape": list(logits.shape), "logits": rounded(logits)}, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


def rounded(t):
    return [float(f"{v:.9g}") for v in t.reshape(-1).tolist()]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "model-parity", "fixtures")
    out = os.path.normpath(out)
    w = random_weights(CONFIG)
    write_checkpoint(os.path.join(out, "tiny-llada"), CONFIG, w)

    g = torch.Generator().manual_seed(7)
    T = 10
    ids = torch.randint(0, VOCAB - 3, (2, T), generator=g)
    ids[0, 3] = MASK_ID
    ids[1, 7] = MASK_ID
    # Row 1 is left-padded by 3 (pad = EOS), row 0 is all real.
    padded = ids.clone()
    padded[1, :3] = CONFIG["pad_token_id"]
    pad_mask = torch.ones(2, T, dtype=torch.long)
    pad_mask[1, :3] = 0

    cases = []
    for name, x, m in [("full", ids, None), ("pad-mask", padded, pad_mask), ("pad-ignored", padded, None)]:
        logits = forward(w, CONFIG, x, m)
        cases.append({
            "name": name,
            "ids": x.tolist(),
            "padMask": None if m is None else m.tolist(),
            "shape": list(logits.shape),
            "logits": rounded(logits),
        })

    prompts = torch.randint(0, VOCAB - 3, (2, 5), generator=g)
    prompts[:, 0] = BOS_ID
    generations = []
    for gen_length, steps, block_length in [(8, 4, 4), (8, 8, 8), (6, 6, 2)]:
        x = generate_greedy(w, CONFIG, prompts, gen_length, steps, block_length)
        generations.append({
            "prompt": prompts.tolist(),
            "genLength": gen_length,
            "steps": steps,
            "blockLength": block_length,
            "ids": x.tolist(),
        })

    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({
            "about": "Outputs of scripts/reference/llada_reference.py on the checkpoint in tiny-llada/.",
            "torch": torch.__version__,
            "cases": cases,
            "generations": generations,
        }, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__" and sys.argv[1:2] == ["--logits"]:
    if len(sys.argv) != 4:
        sys.exit("usage: llada_reference.py --logits CHECKPOINT_DIR ID,ID,...")
    print_logits(sys.argv[2], sys.argv[3])
elif __name__ == "__main__":
    main()
