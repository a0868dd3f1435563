"""The train-step benchmark's PyTorch column: the same LLaDA-style mask predictor, loss and optimizer as
bench/train-step.ts, on the CPU. Prints one JSON line: {"torch": version, "threads": n, "msPerStep": median wall time, "cpuMsPerStep": median
CPU time of the process (all threads), ...}.

  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/train-step-torch.py --vocab 64 --d 128 --layers 4 \
      --heads 4 --hidden 384 --batch 16 --seq 64 --steps 5 --threads 2

Model (as packages/mmada/src/model/forward.ts): token embedding; per block pre-RMSNorm attention with RoPE
(rotate-half, theta 10000) and no causal mask, then pre-RMSNorm SwiGLU; final RMSNorm and an untied head;
no biases. Loss (LLaDA pretraining): per row t ~ U(0,1), p = (1-eps)t + eps, each token masked with p,
L = mean over rows of sum over masked tokens of CE/p, divided by the row length. AdamW (0.9, 0.999, 1e-8,
weight decay 0.01) after clipping the global gradient norm to 1.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


class RMSNorm(torch.nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class Block(torch.nn.Module):
    def __init__(self, d, heads, hidden):
        super().__init__()
        self.heads = heads
        self.attn_norm = RMSNorm(d)
        self.q = torch.nn.Linear(d, d, bias=False)
        self.k = torch.nn.Linear(d, d, bias=False)
        self.v = torch.nn.Linear(d, d, bias=False)
        self.o = torch.nn.Linear(d, d, bias=False)
        self.ff_norm = RMSNorm(d)
        self.gate = torch.nn.Linear(d, hidden, bias=False)
        self.up = torch.nn.Linear(d, hidden, bias=False)
        self.down = torch.nn.Linear(hidden, d, bias=False)

    def forward(self, h, cos, sin):
        b, t, d = h.shape
        n = self.attn_norm(h)
        split = lambda x: x.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q = rope(split(self.q(n)), cos, sin)
        k = rope(split(self.k(n)), cos, sin)
        v = split(self.v(n))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads), dim=-1)
        h = h + self.o((att @ v).transpose(1, 2).reshape(b, t, d))
        m = self.ff_norm(h)
        return h + self.down(F.silu(self.gate(m)) * self.up(m))


class MaskPredictor(torch.nn.Module):
    def __init__(self, vocab, d, layers, heads, hidden):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, d)
        self.blocks = torch.nn.ModuleList([Block(d, heads, hidden) for _ in range(layers)])
        self.ln_f = RMSNorm(d)
        self.head = torch.nn.Linear(d, vocab, bias=False)
        self.heads = heads

    def forward(self, ids):
        t = ids.shape[1]
        hd = self.wte.weight.shape[1] // self.heads
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        ang = torch.outer(torch.arange(t, dtype=torch.float32), inv)
        cos = torch.cat((ang.cos(), ang.cos()), -1)
        sin = torch.cat((ang.sin(), ang.sin()), -1)
        h = self.wte(ids)
        for blk in self.blocks:
            h = blk(h, cos, sin)
        return self.head(self.ln_f(h))


def llada_loss(model, ids, mask_id, eps=1e-3):
    b, l = ids.shape
    p = (1 - eps) * torch.rand(b) + eps
    masked = torch.rand(b, l) < p[:, None]
    noisy = torch.where(masked, torch.full_like(ids, mask_id), ids)
    logits = model(noisy)
    ce = F.cross_entropy(logits.reshape(b * l, -1), ids.reshape(-1), reduction='none').view(b, l)
    return ((ce * masked / p[:, None]).sum(1) / l).mean()


def blas_library():
    """The BLAS this process loaded: Debian's torch uses whatever libblas.so.3 points to (reference BLAS is ~40x
    slower than OpenBLAS here, so the column says which one it measured)."""
    try:
        with open('/proc/self/maps') as f:
            paths = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
    except OSError:
        return 'unknown'
    names = sorted(p.rsplit('/', 1)[-1] for p in paths)
    fast = [n for n in names if n.startswith('libopenblas') or 'mkl' in n]
    if fast:
        return fast[0]
    return 'reference BLAS (' + ', '.join(sorted(paths)) + ')' if paths else 'unknown'


def main():
    ap = argparse.ArgumentParser()
    for name, default in [('vocab', 64), ('d', 128), ('layers', 4), ('heads', 4), ('hidden', 384), ('batch', 16), ('seq', 64), ('steps', 5), ('threads', 2)]:
        ap.add_argument('--' + name, type=int, default=default)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = MaskPredictor(a.vocab, a.d, a.layers, a.heads, a.hidden)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    ids = torch.randint(0, a.vocab - 1, (a.batch, a.seq))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = llada_loss(model, ids, a.vocab - 1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    step()  # warm-up
    times, cpu = [], []
    for _ in range(a.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    times.sort()
    cpu.sort()
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({'torch': torch.__version__, 'threads': a.threads, 'msPerStep': times[len(times) // 2], 'cpuMsPerStep': cpu[len(cpu) // 2], 'parameters': params, 'blas': blas_library()}))


if __name__ == '__main__':
    main()
