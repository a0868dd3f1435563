#!/usr/bin/env python3
"""A PyTorch replica of the mmada-tiny image tokenizer's training, used to measure how many steps the
architecture and objective need on ShapesWorld (models/mmada-tiny/vq/README.md, "How far the recipe is from the
bar"). It is a measuring tool, not the training path: the shipped tokenizer is trained by `mmada train`.

The replica follows packages/mmada/src/vq: MAGVIT-v2 blocks (GroupNorm + swish resnet blocks, stride-2 downsample
with (0,1,0,1) zero padding, nearest x2 upsample + 3x3 conv, single-head mid attention), LFQ with sign(z) and a
straight-through estimator, commitment beta, the exact 2^K-code entropy term lambda*(H_sample - gamma*H_codebook)
divided by K, AdamW (0.9, 0.999, wd 0.01 except biases and norms), clip 1, 5% warmup then cosine to 0.1x.

Data: the raw images written by scripts/reference/dump-shapesworld-images.ts (the recipe's train scenes and the
600 held-out t2i test references, plus each cell's state for the true-codes control). The held-out check writes
the reconstructions to TAG.recon.u8; `npx tsx scripts/reference/dump-shapesworld-images.ts --verify FILE` judges
them with the ShapesWorld verifier exactly as evaluateImageTokenizer does.

    npx tsx scripts/reference/dump-shapesworld-images.ts DIR
    /usr/bin/python3 scripts/reference/tiny_lfq_tokenizer_probe.py DIR steps=1000 rec=l2 lam=0.1 gam=1 tag=run

Options (key=value): ch 16, mult [1,1,2,2,4], groups 8, bits 6, lr 3e-3, steps 1000, batch 32, beta 0.05,
lam 0.05, gam 1, rec l1|l2, every 100, tag probe, seed 0 (initial weights and batch order), and controls: quant=0 (no quantiser: a plain autoencoder
with a 6-channel 2x2 bottleneck), per_position=1 (the codebook entropy taken per latent position over the
batch, then averaged), soft_until=F soft_k=K (for the first F of the steps the decoder gets tanh(k·z), k rising
geometrically from 1 to K, default 20; then sign(z) straight-through), stochastic=1 (training bits drawn +1 with
probability sigmoid(4z), straight-through), beta_ramp=F (no commitment for the first F of the steps, then beta
rising linearly to its value at the last step), enc_lr=M (the encoder's learning rate M times the decoder's)
and true_codes=1 (the decoder alone, fed each cell's true state as its 6 bits).
The layout that passes the held-out bar is mult=[1,1,2,2] bits=10 rec=l2 lam=0.1 (x8 downsampling, 16 tokens).
One thread, seeded: the same command prints the same numbers.
"""
import itertools
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

DATA = sys.argv[1]
args = dict(a.split('=') for a in sys.argv[2:])
seed = int(args.get('seed', 0))
torch.manual_seed(seed)
ch = int(args.get('ch', 16))
mult = [int(v) for v in args.get('mult', '[1,1,2,2,4]').strip('[]').split(',')]
G = int(args.get('groups', 8))
bits = int(args.get('bits', 6))
lr = float(args.get('lr', 3e-3))
steps = int(args.get('steps', 1000))
B = int(args.get('batch', 32))
beta = float(args.get('beta', 0.05))
lam = float(args.get('lam', 0.05))
gam = float(args.get('gam', 1))
rec = args.get('rec', 'l1')
quantise = int(args.get('quant', 1)) == 1
true_codes = int(args.get('true_codes', 0)) == 1
per_position = int(args.get('per_position', 0)) == 1
soft_until = float(args.get('soft_until', 0))
soft_k = float(args.get('soft_k', 20))
stochastic = int(args.get('stochastic', 0)) == 1
beta_ramp = float(args.get('beta_ramp', 0))
enc_lr = float(args.get('enc_lr', 1))
tag = args.get('tag', 'probe')


def images(name):
    raw = np.fromfile(f'{DATA}/{name}.u8', np.uint8).reshape(-1, 32, 32, 3)
    return torch.from_numpy(raw).permute(0, 3, 1, 2).float() / 127.5 - 1


def cell_states(name):
    return torch.from_numpy(np.fromfile(f'{DATA}/{name}.cells', np.uint8).reshape(-1, 2, 2)).long()


train, test = images('train'), images('test')
train_cells, test_cells = cell_states('train'), cell_states('test')


def state_bits(cells):
    """Each cell's state index (0 empty, 1 + shape*6 + colour) as 6 sign bits, MSB first: [N, 6, 2, 2]."""
    return ((cells[:, None] >> torch.arange(5, -1, -1)[None, :, None, None]) & 1).float() * 2 - 1


# The ShapesWorld palette and background; a pixel's class is the nearest within RGB distance 90, else background.
PALETTE = torch.tensor([[255, 255, 255], [220, 40, 40], [40, 170, 60], [40, 80, 220], [240, 210, 40], [150, 60, 190], [245, 140, 30]]).float()


def palette_map(x):
    rgb = ((x.clamp(-1, 1) + 1) * 127.5).permute(0, 2, 3, 1)
    d = ((rgb[..., None, :] - PALETTE) ** 2).sum(-1)
    m = d.argmin(-1)
    m[d.min(-1).values > 90 * 90] = 0
    return m


def norm(c):
    return nn.GroupNorm(G, c, eps=1e-6)


class Resnet(nn.Module):
    def __init__(s, i, o):
        super().__init__()
        s.n1, s.c1, s.n2, s.c2 = norm(i), nn.Conv2d(i, o, 3, padding=1), norm(o), nn.Conv2d(o, o, 3, padding=1)
        s.sc = nn.Conv2d(i, o, 1) if i != o else None

    def forward(s, x):
        h = s.c2(F.silu(s.n2(s.c1(F.silu(s.n1(x))))))
        return (s.sc(x) if s.sc else x) + h


class Attention(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.n, s.q, s.k, s.v, s.o = norm(c), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)

    def forward(s, x):
        b, c, h, w = x.shape
        n = s.n(x)
        q, k, v = [t(n).reshape(b, c, h * w).transpose(1, 2) for t in (s.q, s.k, s.v)]
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), -1) @ v
        return x + s.o(a.transpose(1, 2).reshape(b, c, h, w))


def mid(c):
    return [Resnet(c, c), Attention(c), Resnet(c, c)]


def encoder():
    layers, c = [nn.Conv2d(3, ch, 3, padding=1)], ch
    for i, m in enumerate(mult):
        layers.append(Resnet(c, ch * m))
        c = ch * m
        if i < len(mult) - 1:
            layers.append(nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(c, c, 3, stride=2)))
    return nn.Sequential(*layers, *mid(c), norm(c), nn.SiLU(), nn.Conv2d(c, bits, 1), nn.Conv2d(bits, bits, 1))


def decoder():
    c = ch * mult[-1]
    layers = [nn.Conv2d(bits, bits, 1), nn.Conv2d(bits, c, 3, padding=1), *mid(c)]
    for i in reversed(range(len(mult))):
        layers.append(Resnet(c, ch * mult[i]))
        c = ch * mult[i]
        if i > 0:
            layers.append(nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), nn.Conv2d(c, c, 3, padding=1)))
    return nn.Sequential(*layers, norm(c), nn.SiLU(), nn.Conv2d(c, 3, 3, padding=1))


enc, dec = encoder(), decoder()
params = list(enc.parameters()) + list(dec.parameters())
print('parameters', sum(p.numel() for p in params))
codes = torch.tensor(list(itertools.product([1.0, -1.0], repeat=bits)))  # every code, MSB first


def entropies(z):
    f = z.permute(0, 2, 3, 1).reshape(-1, bits)
    logp = torch.log_softmax(torch.stack([-(f - 1) ** 2, -(f + 1) ** 2], -1), -1)
    logq = logp[..., 0] @ (codes > 0).float().T + logp[..., 1] @ (codes < 0).float().T
    q = logq.exp()
    sample = -(q * logq).sum(-1).mean() / bits
    if per_position:
        # the codebook entropy of each latent position over the batch, averaged over the positions
        avg = q.reshape(z.shape[0], -1, q.shape[-1]).mean(0)
        return sample, -(avg * torch.log(avg.clamp_min(1e-30))).sum(-1).mean() / bits
    avg = q.mean(0)
    return sample, -(avg * torch.log(avg.clamp_min(1e-30))).sum() / bits


# each group carries its learning-rate multiplier: enc_lr for the encoder's tensors, 1 for the decoder's
optimiser = torch.optim.AdamW([
    {'params': [p for p in m.parameters() if (p.ndim > 1) == decay], 'weight_decay': 0.01 if decay else 0.0, 'scale': scale}
    for m, scale in ((enc, enc_lr), (dec, 1.0)) for decay in (True, False)
], lr=lr, betas=(0.9, 0.999))
warmup = max(1, int(0.05 * steps))


def lr_at(s):
    if s < warmup:
        return lr * (s + 1) / warmup
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, steps - warmup))))


def held_out():
    """Palette agreement of the 600 reconstructions, the share with >= 99.5% of pixels right, codes used."""
    with torch.no_grad():
        z = enc(test)
        q = torch.where(z > 0, 1.0, -1.0)
        out = dec(state_bits(test_cells) if true_codes else (q if quantise else z))
        agree = (palette_map(out) == palette_map(test)).float().mean((1, 2))
        ids = ((q > 0).long() * (2 ** torch.arange(bits - 1, -1, -1))[None, :, None, None]).sum(1)
        ((out.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).contiguous().numpy().tofile(f'{tag}.recon.u8')
        return f'palette {agree.mean().item():.4f}  >=99.5% {(agree >= 0.995).float().mean().item():.3f}  codes {len(ids.unique())}'


batches = torch.Generator().manual_seed(seed)
t0 = time.time()
for s in range(steps):
    for group in optimiser.param_groups:
        group['lr'] = lr_at(s) * group['scale']
    idx = torch.randint(0, len(train), (B,), generator=batches)
    x = train[idx]
    z = enc(x)
    q = torch.where(z > 0, 1.0, -1.0).detach()
    if soft_until > 0 and s < soft_until * steps:
        # soft-to-hard: tanh(k·z) with k rising geometrically from 1 to soft_k, then sign(z) with the straight-through
        k = soft_k ** (s / (soft_until * steps))
        zq = torch.tanh(k * z)
    elif stochastic:
        # a bit is +1 with probability sigmoid(4z) (the LFQ soft code's own bit probability), straight-through
        u = torch.rand(z.shape, generator=batches)
        qs = torch.where(u < torch.sigmoid(4 * z), 1.0, -1.0).detach()
        zq = z + (qs - z).detach()
    else:
        zq = z + (q - z).detach() if quantise else z
    if true_codes:
        zq = state_bits(train_cells[idx])
    out = dec(zq)
    r = (out - x).abs().mean() if rec == 'l1' else ((out - x) ** 2).mean()
    # beta_ramp=F: no commitment for the first F of the steps, then rising linearly to beta at the last step
    b = beta * min(1.0, max(0.0, (s / steps - beta_ramp) / (1 - beta_ramp))) if beta_ramp > 0 else beta
    loss = r + b * ((z - q) ** 2).mean()
    if lam > 0:
        sample, codebook = entropies(z)
        loss = loss + lam * (sample - gam * codebook)
    optimiser.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimiser.step()
    if (s + 1) % int(args.get('every', 100)) == 0 or s + 1 == steps:
        print(f'step {s + 1}  loss {loss.item():.4f}  reconstruction {r.item():.4f}  held out: {held_out()}  {time.time() - t0:.0f} s', flush=True)
