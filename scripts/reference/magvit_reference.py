#!/usr/bin/python3
"""Independent PyTorch reference of the MAGVIT-v2 image tokenizer (Show-o / MMaDA `showlab/magvitv2`).

Implements the published architecture (spec/vq.md) with the module tree of the released checkpoint, so that
`state_dict()` keys are the released tensor names, builds a tiny random tokenizer with the same structure and
small channels, and writes parity fixtures for the TypeScript implementation:

  tests/vq-parity/fixtures/tiny-tokenizer/{config.json, pytorch_model.safetensors}
      the tokenizer in the released layout (F32 weights, `quantize.embedding` F32 and `quantize.power_vals` I64)
  tests/vq-parity/fixtures/input-{0,1}.png      two 64x64 RGB test images
  tests/vq-parity/fixtures/photo.png            an 84x56 image for the resize + center-crop check
  tests/vq-parity/fixtures/photo-32.png         it after PIL bicubic resize of the shorter side to 32 + center crop
  tests/vq-parity/fixtures/expected.safetensors
      latents  [2, bits, 4, 4] F32  encoder output (before quantisation) of the two input images in [-1, 1]
      ids      [2, 16]         I32  their token ids (row-major, channel 0 = most significant bit)
      decode_ids    [2, 6]     I32  random ids on a non-square 2x3 grid
      decoded       [2, 3, 32, 48] F32  decode_code(decode_ids, shape=(2, 3))

Run with Debian's PyTorch:  apt-get install -y python3-torch python3-numpy python3-pil
                            /usr/bin/python3 scripts/reference/magvit_reference.py
Only torch, numpy and PIL are used; safetensors files are written by the small writer below.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'vq-parity', 'fixtures')

# The tiny tokenizer: the released structure (5 levels, 16x downsampling, channel changes with 1x1 shortcuts in
# encoder levels 1 and 3 and decoder levels 3 and 1, mid attention) with 4 base channels and fewer blocks.
TINY = dict(ch=4, encoder_ch_mult=[1, 2, 2, 4, 4], encoder_num_res_blocks=[2, 1, 1, 1, 1],
            decoder_ch_mult=[1, 1, 2, 2, 4], decoder_num_res_blocks=[1, 2, 1, 1, 1], z_channels=8, norm_groups=2)
NORM_EPS = 1e-6


def norm(c, groups):
    return nn.GroupNorm(num_groups=groups, num_channels=c, eps=NORM_EPS, affine=True)


def swish(x):
    return x * torch.sigmoid(x)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = norm(cin, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2 = norm(cout, groups)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1, 1, 0)

    def forward(self, x):
        h = self.conv1(swish(self.norm1(x)))
        h = self.conv2(swish(self.norm2(h)))
        if hasattr(self, 'nin_shortcut'):
            x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.norm = norm(c, groups)
        self.q = nn.Conv2d(c, c, 1)
        self.k = nn.Conv2d(c, c, 1)
        self.v = nn.Conv2d(c, c, 1)
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        h = self.norm(x)
        q, k, v = self.q(h), self.k(h), self.v(h)
        b, c, hh, ww = q.shape
        q = q.reshape(b, c, hh * ww).permute(0, 2, 1)          # b, hw, c
        k = k.reshape(b, c, hh * ww)                           # b, c, hw
        w = torch.softmax(torch.bmm(q, k) * (c ** -0.5), dim=2)  # w[b, i, j] = q_i . k_j
        v = v.reshape(b, c, hh * ww)
        h = torch.bmm(v, w.permute(0, 2, 1)).reshape(b, c, hh, ww)  # sum_j w[i, j] v_j
        return x + self.proj_out(h)


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode='constant', value=0))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode='nearest'))


class Mid(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.block_1 = ResnetBlock(c, c, groups)
        self.attn_1 = AttnBlock(c, groups)
        self.block_2 = ResnetBlock(c, c, groups)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, z_channels, groups):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch, 3, 1, 1)
        in_mult = (1,) + tuple(ch_mult)
        self.down = nn.ModuleList()
        for i, mult in enumerate(ch_mult):
            level = nn.Module()
            level.block = nn.ModuleList()
            cin, cout = ch * in_mult[i], ch * mult
            for _ in range(num_res_blocks[i]):
                level.block.append(ResnetBlock(cin, cout, groups))
                cin = cout
            if i != len(ch_mult) - 1:
                level.downsample = Downsample(cout)
            self.down.append(level)
        top = ch * ch_mult[-1]
        self.mid = Mid(top, groups)
        self.norm_out = norm(top, groups)
        self.conv_out = nn.Conv2d(top, z_channels, 3, 1, 1)
        self.quant_conv = nn.Conv2d(z_channels, z_channels, 1)

    def forward(self, x):
        h = self.conv_in(x)
        for level in self.down:
            for block in level.block:
                h = block(h)
            if hasattr(level, 'downsample'):
                h = level.downsample(h)
        h = self.mid(h)
        return self.quant_conv(self.conv_out(swish(self.norm_out(h))))


class Decoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, z_channels, groups):
        super().__init__()
        block_in = ch * ch_mult[-1]
        self.conv_in = nn.Conv2d(z_channels, block_in, 3, 1, 1)
        self.mid = Mid(block_in, groups)
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch_mult))):
            level = nn.Module()
            level.block = nn.ModuleList()
            cout = ch * ch_mult[i]
            for _ in range(num_res_blocks[i]):   # exactly num_res_blocks[i], not +1
                level.block.append(ResnetBlock(block_in, cout, groups))
                block_in = cout
            if i != 0:
                level.upsample = Upsample(block_in)
            self.up.insert(0, level)
        self.norm_out = norm(block_in, groups)
        self.conv_out = nn.Conv2d(block_in, 3, 3, 1, 1)
        self.post_quant_conv = nn.Conv2d(z_channels, z_channels, 1)

    def forward(self, z):
        h = self.mid(self.conv_in(self.post_quant_conv(z)))
        for i in reversed(range(len(self.up))):
            level = self.up[i]
            for block in level.block:
                h = block(h)
            if hasattr(level, 'upsample'):
                h = level.upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class LFQ(nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.bits = bits
        idx = torch.arange(2 ** bits)
        binary = (idx.unsqueeze(1) >> torch.arange(bits - 1, -1, -1, dtype=torch.long)) & 1
        self.register_buffer('embedding', binary.float() * 2 - 1)
        self.register_buffer('power_vals', 2 ** torch.arange(bits - 1, -1, -1))

    def ids(self, z):
        return (self.power_vals.reshape(1, -1, 1, 1) * (z > 0).float()).sum(1).long().reshape(z.shape[0], -1)

    def codes(self, ids, shape):
        b = ids.shape[0]
        h, w = shape
        return self.embedding[ids.reshape(-1)].view(b, h, w, -1).permute(0, 3, 1, 2).contiguous()


class Tokenizer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = Encoder(cfg['ch'], cfg['encoder_ch_mult'], cfg['encoder_num_res_blocks'], cfg['z_channels'], cfg['norm_groups'])
        self.decoder = Decoder(cfg['ch'], cfg['decoder_ch_mult'], cfg['decoder_num_res_blocks'], cfg['z_channels'], cfg['norm_groups'])
        self.quantize = LFQ(cfg['z_channels'])


# --- safetensors writer -------------------------------------------------------------------------------------
DTYPES = {torch.float32: ('F32', '<f4'), torch.int32: ('I32', '<i4'), torch.int64: ('I64', '<i8')}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        dtype, np_dtype = DTYPES[t.dtype]
        data = t.detach().contiguous().numpy().astype(np_dtype).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# --- test images -------------------------------------------------------------------------------------------
def test_image(seed, w, h):
    """Smooth gradients with a few coloured rectangles and discs: compresses well and exercises all channels."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([x / w * 200 + 30, y / h * 180 + 40, (x + y) / (w + h) * 150 + 60], -1)
    for _ in range(4):
        color = rng.randint(0, 256, 3)
        cx, cy, r = rng.randint(0, w), rng.randint(0, h), rng.randint(4, max(5, min(w, h) // 3))
        if rng.rand() < 0.5:
            mask = (np.abs(x - cx) < r) & (np.abs(y - cy) < r * 0.7)
        else:
            mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        img[mask] = color
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), 'RGB')


def to_tensor(img):
    """ToTensor + Normalize(0.5, 0.5): [0, 255] -> [-1, 1], NCHW."""
    a = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (a - 0.5) / 0.5


def resize_shorter_and_crop(img, res):
    """torchvision Resize(res, BICUBIC) on a PIL image + CenterCrop(res), as image_transform in training/utils.py."""
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = res, int(res * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize((nw, nh), Image.BICUBIC)
    left, top = int(round((nw - res) / 2.0)), int(round((nh - res) / 2.0))
    return img.crop((left, top, left + res, top + res))


def main():
    torch.manual_seed(0)
    os.makedirs(os.path.join(OUT, 'tiny-tokenizer'), exist_ok=True)
    model = Tokenizer(TINY).eval()
    with torch.no_grad():
        # Non-trivial norm affines, so that their application is checked too.
        for m in model.modules():
            if isinstance(m, nn.GroupNorm):
                m.weight.copy_(1 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.2 * torch.randn_like(m.bias))
    state = model.state_dict()
    write_safetensors(os.path.join(OUT, 'tiny-tokenizer', 'pytorch_model.safetensors'), state)
    cfg = {'_class_name': 'MAGVITv2', **TINY}
    with open(os.path.join(OUT, 'tiny-tokenizer', 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
        f.write('\n')

    images = [test_image(s, 64, 64) for s in (1, 2)]
    for i, im in enumerate(images):
        im.save(os.path.join(OUT, f'input-{i}.png'))
    x = torch.stack([to_tensor(im) for im in images])

    photo = test_image(3, 84, 56)
    photo.save(os.path.join(OUT, 'photo.png'))
    resize_shorter_and_crop(photo, 32).save(os.path.join(OUT, 'photo-32.png'))

    with torch.no_grad():
        z = model.encoder(x)
        ids = model.quantize.ids(z)
        g = torch.Generator().manual_seed(1)
        decode_ids = torch.randint(0, 2 ** TINY['z_channels'], (2, 6), generator=g)
        decoded = model.decoder(model.quantize.codes(decode_ids, (2, 3)))
    write_safetensors(os.path.join(OUT, 'expected.safetensors'), {
        'latents': z.float(),
        'ids': ids.to(torch.int32),
        'decode_ids': decode_ids.to(torch.int32),
        'decoded': decoded.float(),
    })
    n_params = sum(p.numel() for p in model.parameters())
    print(f'tiny tokenizer: {n_params} parameters, {len(list(model.parameters()))} parameter tensors', file=sys.stderr)
    print(f'ids: {ids.tolist()}', file=sys.stderr)
    print(f'min |latent|: {z.abs().min().item():.3g}, decoded range [{decoded.min().item():.3f}, {decoded.max().item():.3f}]', file=sys.stderr)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(OUT) for f in fs)
    print(f'fixtures: {total} bytes in {os.path.normpath(OUT)}', file=sys.stderr)


if __name__ == '__main__':
    main()
