#!/usr/bin/env python3
"""PyTorch probe of the mmada-tiny text-reasoning recipe: how many training steps does this architecture and
objective need to solve ShapesWorld 2-step arithmetic, and does a change to the training data help?

A replica of what the TypeScript recipe does for its `reasoning` rows:
  - the mask predictor of packages/mmada/src/model/forward.ts at the size of models/mmada-tiny/config.json
    (LLaDA block: RMSNorm eps 1e-5, q/k/v/o without bias, RoPE θ 1e4 rotate-half, SwiGLU, untied head;
    init N(0, 0.02), norms 1);
  - the SFT masked-diffusion loss with prompt preservation (packages/diffusion/src/masked-diffusion-loss.ts,
    'answerLengthPerRow'; masks as maskIndependently: t ~ U(0,1) per row, p = (1-1e-3)t + 1e-3);
  - AdamW (0.9, 0.999, eps 1e-8, weight decay 0.01 on every tensor, as the recipe's mask selects), global
    norm clip 1, linear warmup min(10% of steps, 5000) then cosine to 0.1x;
  - the recipe's stage-2 batches: row r of reasoning step k is pool item floor(hash(seed 2, s, r) * 20000),
    s the k-th step of the stage-2 schedule whose kind is `reasoning` (stage-data.ts `stageBatchSource`);
  - the eval's greedy semi-autoregressive sampler (gen length 64, blocks of 16, one token per step,
    low-confidence remasking; prompts left-padded and key-masked) and its scoring (the last number after
    the last `</think>` against the gold; think format = `<think>…</think>` present).
The mask PRNG is torch's, not the recipe's (same distribution, different draws).

Inputs come from scripts/reference/dump-recipe-rows.ts (run it first). Examples:
  npx tsx scripts/reference/dump-recipe-rows.ts /tmp/s21/R
  nice -n 10 /usr/bin/python3 scripts/reference/tiny_masked_diffusion_probe.py check-shipped
      (scores models/mmada-tiny with this sampler: the model card's 11% / 91% on 100 test items)
  nice -n 10 /usr/bin/python3 scripts/reference/tiny_masked_diffusion_probe.py train --name a --steps 3000 \
      --lr 5e-4 --eval-every 500 [--data recipe|recipe+drill] [--batch 64] [--test-best]
  nice -n 10 /usr/bin/python3 scripts/reference/tiny_masked_diffusion_probe.py diagnose \
      --checkpoint /tmp/s21/R/runs/a/best.pt --val 200   (where the traces go wrong)
Writes DATA_DIR/runs/NAME/{log.jsonl,best.pt} (DATA_DIR: --data-dir, default /tmp/s21/R).
"""
import argparse
import json
import math
import os
import re
import struct
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

D, LAYERS, HEADS, MLP, EMB, EPS_NORM, THETA = 128, 4, 4, 384, 704, 1e-5, 10000.0
GEN, BLOCK = 64, 16


# ---------------------------------------------------------------------------------------------------------
# Model (forward.ts), with an optional key pad mask.

def init_params(seed):
    g = torch.Generator().manual_seed(seed)
    w = {"wte": torch.randn(EMB, D, generator=g) * 0.02}
    for i in range(LAYERS):
        for n, shape in [("q", (D, D)), ("k", (D, D)), ("v", (D, D)), ("o", (D, D)), ("ff_proj", (MLP, D)), ("up", (MLP, D)), ("ff_out", (D, MLP))]:
            w[f"{i}.{n}"] = torch.randn(*shape, generator=g) * 0.02
        w[f"{i}.attn_norm"] = torch.ones(D)
        w[f"{i}.ff_norm"] = torch.ones(D)
    w["ln_f"] = torch.ones(D)
    w["head"] = torch.randn(EMB, D, generator=g) * 0.02
    return {k: v.requires_grad_(True) for k, v in w.items()}


def rms_norm(x, weight):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS_NORM))


_rope_cache = {}


def rope_tables(t, hd):
    if (t, hd) not in _rope_cache:
        inv = 1.0 / (THETA ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        f = torch.outer(torch.arange(t, dtype=torch.float32), inv)
        emb = torch.cat((f, f), -1)
        _rope_cache[(t, hd)] = (emb.cos(), emb.sin())
    return _rope_cache[(t, hd)]


def rope(x):
    cos, sin = rope_tables(x.shape[-2], x.shape[-1])
    half = x.shape[-1] // 2
    rot = torch.cat((-x[..., half:], x[..., :half]), -1)
    return x * cos + rot * sin


def forward(w, ids, pad_mask=None):
    """ids [B, T] long; pad_mask [B, T] bool (True = real) or None. Logits [B, T, EMB]."""
    b, t = ids.shape
    hd = D // HEADS
    h = w["wte"][ids]
    bias = None
    if pad_mask is not None:
        bias = torch.zeros(b, 1, 1, t).masked_fill(~pad_mask[:, None, None, :], float("-inf"))
    for i in range(LAYERS):
        x = rms_norm(h, w[f"{i}.attn_norm"])
        q = rope((x @ w[f"{i}.q"].T).view(b, t, HEADS, hd).transpose(1, 2))
        k = rope((x @ w[f"{i}.k"].T).view(b, t, HEADS, hd).transpose(1, 2))
        v = (x @ w[f"{i}.v"].T).view(b, t, HEADS, hd).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        if bias is not None:
            scores = scores + bias
        a = torch.softmax(scores, -1) @ v
        h = h + a.transpose(1, 2).reshape(b, t, D) @ w[f"{i}.o"].T
        x = rms_norm(h, w[f"{i}.ff_norm"])
        h = h + (F.silu(x @ w[f"{i}.ff_proj"].T) * (x @ w[f"{i}.up"].T)) @ w[f"{i}.ff_out"].T
    return rms_norm(h, w["ln_f"]) @ w["head"].T


def load_shipped(model_dir):
    """model.safetensors (upstream names, F32 or BF16) → this script's parameter dict."""
    with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    def get(name):
        e = header[name]
        lo, hi = e["data_offsets"]
        dt = {"F32": torch.float32, "BF16": torch.bfloat16}[e["dtype"]]
        return torch.frombuffer(bytearray(data[lo:hi]), dtype=dt).reshape(e["shape"]).float()
    p = "model.transformer."
    w = {"wte": get(p + "wte.weight"), "ln_f": get(p + "ln_f.weight"), "head": get(p + "ff_out.weight")}
    names = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "attn_out", "ff_proj": "ff_proj", "up": "up_proj", "ff_out": "ff_out", "attn_norm": "attn_norm", "ff_norm": "ff_norm"}
    for i in range(LAYERS):
        for ours, theirs in names.items():
            w[f"{i}.{ours}"] = get(f"{p}blocks.{i}.{theirs}.weight")
    return w


# ---------------------------------------------------------------------------------------------------------
# Data: the recipe's batches (stage-data.ts) and loss (masked-diffusion-loss.ts).

def hash_unit(seed, a, b):
    """stage-data.ts hashUnit (splitmix32-style, 32-bit unsigned arithmetic)."""
    m = 0xFFFFFFFF
    h = (seed ^ (((a + 1) * 0x9E3779B9) & m) ^ (((b + 1) * 0x85EBCA6B) & m)) & m
    h = ((h ^ (h >> 16)) * 0x21F0AAAD) & m
    h = ((h ^ (h >> 15)) * 0x735A2D97) & m
    return ((h ^ (h >> 15)) & m) / 2 ** 32


STAGE2_REASONING = [0, 2, 4, 6]  # positions of `reasoning` in the 9-step stage-2 schedule


def recipe_step(k):
    """The stage-2 step of the k-th reasoning step."""
    return 9 * (k // 4) + STAGE2_REASONING[k % 4]


def recipe_items(k, batch, n, seed=2):
    s = recipe_step(k)
    return [math.floor(hash_unit(seed, s, r) * n) for r in range(batch)]


def make_batch(rows, items, eos):
    """sftBatch: prompt, answer, EOS padding to the longest row; prompt lengths."""
    length = max(len(rows[i][0]) + len(rows[i][1]) for i in items)
    ids = torch.full((len(items), length), eos, dtype=torch.long)
    prompt = torch.zeros(len(items), length, dtype=torch.bool)
    for r, i in enumerate(items):
        p, a = rows[i]
        ids[r, : len(p) + len(a)] = torch.tensor(p + a)
        prompt[r, : len(p)] = True
    return ids, prompt


def sft_loss(w, ids, prompt, mask_id, gen, t_power=1.0):
    """t_power > 1 draws the mask ratio as u**t_power (more rows with most of the answer visible)."""
    b, l = ids.shape
    t = torch.rand(b, generator=gen) ** t_power
    p = (1 - 1e-3) * t + 1e-3
    masked = (torch.rand(b, l, generator=gen) < p[:, None]) & ~prompt
    noisy = torch.where(masked, torch.full_like(ids, mask_id), ids)
    logits = forward(w, noisy)
    ce = F.cross_entropy(logits.reshape(-1, EMB), ids.reshape(-1), reduction="none").view(b, l)
    per_row = torch.where(masked, ce / p[:, None], torch.zeros_like(ce)).sum(-1)
    answer_len = (~prompt).sum(-1).clamp(min=1).float()
    return (per_row / answer_len).mean()


def lr_at(step, steps, peak, min_scale=0.1):
    warm = min(5000, math.ceil(steps * 0.1))
    if step < warm:
        return peak * step / max(1, warm)
    prog = min(1.0, (step - warm) / max(1, steps - warm))
    return peak * (min_scale + (1 - min_scale) * 0.5 * (1 + math.cos(math.pi * prog)))


# ---------------------------------------------------------------------------------------------------------
# Sampling (semi-autoregressive-sample.ts, greedy, one token per step) and scoring (recipe-eval.ts).

@torch.no_grad()
def generate(w, prompts, mask_id, pad_id):
    b = len(prompts)
    p = max(len(x) for x in prompts)
    x = torch.full((b, p + GEN), mask_id, dtype=torch.long)
    real = torch.ones(b, p + GEN, dtype=torch.bool)
    for r, pr in enumerate(prompts):
        x[r, : p - len(pr)] = pad_id
        real[r, : p - len(pr)] = False
        x[r, p - len(pr): p] = torch.tensor(pr)
    cols = torch.arange(p + GEN)
    rows = torch.arange(b)
    any_pad = bool((~real).any())
    for blk in range(GEN // BLOCK):
        lo, hi = p + blk * BLOCK, p + (blk + 1) * BLOCK
        for _ in range(BLOCK):
            logits = forward(w, x, real if any_pad else None)
            probs = torch.softmax(logits.double(), -1)
            conf, x0 = probs.max(-1)
            ok = (x == mask_id) & (cols[None] >= lo) & (cols[None] < hi)
            conf = torch.where(ok, conf, torch.full_like(conf, -math.inf))
            pos = conf.argmax(-1)  # first maximum: ties go to the lower position
            x[rows, pos] = x0[rows, pos]
    return x[:, p:].tolist()


NUMBER = re.compile(r"-?\$?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)")


def normalize_number(s):
    c = re.sub(r"[,$\s]", "", s)
    c = re.sub(r"\.$", "", c)
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", c):
        return c
    neg = c.startswith("-")
    u = c.lstrip("+-")
    ip, _, fp = u.partition(".")
    ip = re.sub(r"^0+(?=\d)", "", ip) or "0"
    fp = fp.rstrip("0")
    body = f"{ip}.{fp}" if fp else ip
    return f"-{body}" if neg and body != "0" else body


def after_think(text):
    i = text.rfind("</think>")
    return (text if i < 0 else text[i + len("</think>"):]).strip()


def gold_of(answer):
    i = answer.find("####")
    return (answer if i < 0 else answer[i + 4:].split("####")[0]).strip()


def correct(text, gold):
    nums = NUMBER.findall(after_think(text))
    return bool(nums) and normalize_number(nums[-1]) == normalize_number(gold_of(gold))


def think_format(text):
    return re.search(r"<think>[\s\S]*?</think>", text) is not None


class Decoder:
    def __init__(self, data):
        self.table = data["decodeTable"]
        s = data["special"]
        self.stop = {s["eos"], s["eotId"]}
        for c in data["decodeCheck"]:
            assert self.decode(c["ids"]) == c["text"], (self.decode(c["ids"]), c["text"])

    def decode(self, ids):
        out = []
        for t in ids:
            if t in self.stop:
                break
            out.append(self.table[t] if t < len(self.table) else "")
        return "".join(out)


def first_step_value(completion):
    m = re.search(r"= (\d+)\.", completion)
    return m.group(1) if m else None


EQUATION = re.compile(r"(\d+) ([-+*/]) (\d+) = (\d+)\.")


def equation_holds(a, op, b, c):
    a, b, c = int(a), int(b), int(c)
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op] == c


def diagnose(texts, items):
    """Where the traces go wrong: operands copied from the question, each step's arithmetic (on the
    model's own numbers), the answer copied from the trace; accuracy per template (its two operators)."""
    c = {"n": len(items), "correct": 0, "two_equations": 0, "step1_operands_copied": 0, "step1_value_right": 0,
         "step1_arithmetic_ok": 0, "step2_arithmetic_ok": 0, "step2_uses_step1": 0, "answer_is_trace_last": 0}
    by_template = {}
    for t, it in zip(texts, items):
        gold, got = EQUATION.findall(it["completion"]), EQUATION.findall(t)
        ops = "".join(g[1] for g in gold)
        ok = correct(t, it["gold"])
        c["correct"] += ok
        n, k = by_template.get(ops, (0, 0))
        by_template[ops] = (n + 1, k + ok)
        if len(got) != 2:
            continue
        c["two_equations"] += 1
        c["step1_operands_copied"] += got[0][0] == gold[0][0] and got[0][2] == gold[0][2]
        c["step1_value_right"] += got[0][3] == gold[0][3]
        c["step1_arithmetic_ok"] += equation_holds(*got[0])
        c["step2_arithmetic_ok"] += equation_holds(*got[1])
        c["step2_uses_step1"] += got[0][3] in (got[1][0], got[1][2])
        answer = re.findall(r"\d+", after_think(t))
        c["answer_is_trace_last"] += bool(answer) and answer[-1] == got[1][3]
    c["by_template"] = {k: f"{ok}/{n}" for k, (n, ok) in by_template.items()}
    return c


def evaluate(w, items, data, dec, batch=100):
    s = data["special"]
    texts = []
    for i in range(0, len(items), batch):
        chunk = items[i: i + batch]
        texts += [dec.decode(g) for g in generate(w, [it["prompt"] for it in chunk], s["mask"], s["pad"])]
    acc = sum(correct(t, it["gold"]) for t, it in zip(texts, items)) / len(items)
    fmt = sum(think_format(t) for t in texts) / len(items)
    # Leading indicator: the trace's first result (the first "= N.") equals the reference trace's.
    first = sum(first_step_value(t) is not None and first_step_value(t) == first_step_value(it["completion"]) for t, it in zip(texts, items)) / len(items)
    return {"accuracy": acc, "think_format": fmt, "first_step": first, "samples": texts[:3], "diagnosis": diagnose(texts, items)}


# ---------------------------------------------------------------------------------------------------------
# Training rows per data variant.

def rows_for(variant, data):
    """`recipe`: the pool's reasoning rows. `recipe+drill`: the same, then the drill rows (a quarter of
    each batch, see batch_items)."""
    rows = [(x["prompt"], x["answer"]) for x in data["pool"]]
    if variant == "recipe+drill":
        rows += [(x["prompt"], x["answer"]) for x in data["drill"]]
    return rows


def batch_items(variant, k, batch, n_pool, n_rows):
    """Row indices of step k: the recipe's draws; with drill rows, the last quarter are drill rows."""
    if variant == "recipe" and batch == 64:
        return recipe_items(k, 64, n_pool)
    g = torch.Generator().manual_seed(10_000 + k)
    if variant == "recipe":
        return torch.randint(0, n_pool, (batch,), generator=g).tolist()
    n_drill = batch // 4
    return recipe_items(k, batch - n_drill, n_pool) + torch.randint(n_pool, n_rows, (n_drill,), generator=g).tolist()


def check_recipe_batches(data):
    n = len(data["pool"])
    for bt in data["recipeBatches"]["stage2"]["batches"]:
        s = bt["step"]
        k = [kk for kk in range(4 * (s // 9 + 1)) if recipe_step(kk) == s]
        assert k, f"step {s} is not a reasoning step"
        ids, prompt = make_batch([(x["prompt"], x["answer"]) for x in data["pool"]], recipe_items(k[0], 64, n), data["special"]["eos"])
        assert ids.tolist() == bt["ids"], f"stage-2 batch of step {s} differs from the recipe's"
        assert prompt.sum(-1).tolist() == bt["promptLengths"]


def train(args, data, dec):
    out = os.path.join(args.data_dir, "runs", args.name)
    os.makedirs(out, exist_ok=True)
    rows = rows_for(args.data, data)
    n = len(data["pool"])
    eos, mask_id = data["special"]["eos"], data["special"]["mask"]
    val = data["validation"][: args.val]
    w = init_params(args.seed)
    params = list(w.values())
    opt = torch.optim.AdamW(params, lr=0.0, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    gen = torch.Generator().manual_seed(args.seed + 12)
    log = open(os.path.join(out, "log.jsonl"), "a")
    best = -1.0
    t_train, losses = 0.0, []
    for k in range(args.steps):
        t0 = time.perf_counter()
        items = batch_items(args.data, k, args.batch, n, len(rows))
        ids, prompt = make_batch(rows, items, eos)
        lr = lr_at(k, args.steps, args.lr)
        for group in opt.param_groups:
            group["lr"] = lr
        loss = sft_loss(w, ids, prompt, mask_id, gen, args.t_power)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        t_train += time.perf_counter() - t0
        losses.append(loss.item())
        done = k + 1
        if done % args.eval_every == 0 or done == args.steps:
            t1 = time.perf_counter()
            ev = evaluate(w, val, data, dec)
            rec = {"run": args.name, "step": done, "loss": sum(losses[-50:]) / len(losses[-50:]), "lr": lr, "val_n": len(val),
                   "val_accuracy": ev["accuracy"], "val_think_format": ev["think_format"], "val_first_step": ev["first_step"],
                   "train_s_per_step": t_train / done, "eval_s": time.perf_counter() - t1, "load": os.getloadavg()[0], "sample": ev["samples"][0]}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            if ev["accuracy"] > best:
                best = ev["accuracy"]
                torch.save({k2: v.detach() for k2, v in w.items()}, os.path.join(out, "best.pt"))
                torch.save({"step": done}, os.path.join(out, "best-step.pt"))
    if args.test_best:
        wb = torch.load(os.path.join(out, "best.pt"))
        step = torch.load(os.path.join(out, "best-step.pt"))["step"]
        ev = evaluate(wb, data["test"][: args.test], data, dec)
        rec = {"run": args.name, "test_of_step": step, "test_n": args.test, "test_accuracy": ev["accuracy"], "test_think_format": ev["think_format"], "test_first_step": ev["first_step"]}
        print(json.dumps(rec), flush=True)
        log.write(json.dumps(rec) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["check-shipped", "train", "diagnose"])
    ap.add_argument("--checkpoint", help="diagnose: a best.pt written by train")
    ap.add_argument("--data-dir", default="/tmp/s21/R")
    ap.add_argument("--model", default="models/mmada-tiny")
    ap.add_argument("--name", default="a")
    ap.add_argument("--data", default="recipe", choices=["recipe", "recipe+drill"])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--val", type=int, default=100)
    ap.add_argument("--test", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--t-power", type=float, default=1.0, help="mask ratio t = u**P, u ~ U(0,1) (1 = the recipe's)")
    ap.add_argument("--test-best", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(args.data_dir, "recipe-rows.json")) as f:
        data = json.load(f)
    dec = Decoder(data)
    check_recipe_batches(data)
    if args.mode == "check-shipped":
        w = load_shipped(args.model)
        t0 = time.perf_counter()
        ev = evaluate(w, data["test"][: args.test], data, dec)
        print(json.dumps({"model": args.model, "test_n": args.test, **ev, "eval_s": time.perf_counter() - t0}), flush=True)
    elif args.mode == "diagnose":
        ev = evaluate(torch.load(args.checkpoint), data["validation"][: args.val], data, dec)
        print(json.dumps({"checkpoint": args.checkpoint, "val_n": args.val, **ev}), flush=True)
    else:
        train(args, data, dec)


if __name__ == "__main__":
    main()
