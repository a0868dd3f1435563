"""Adds the Pillow-written fixtures (1-bit grey, 4-bit palette with tRNS) and writes expected.json: every
fixture decoded by Pillow to 8-bit RGB the way @mmada/image does it (16-bit samples keep the high byte,
alpha composited over white)."""
import json, os, random, sys
from PIL import Image

d = sys.argv[1]
rng = random.Random(7)
bw = Image.new('1', (13, 3))
bw.putdata([rng.randint(0, 1) * 255 for _ in range(13 * 3)])
bw.save(os.path.join(d, 'grey1.png'))
pal = Image.new('P', (6, 4))
pal.putpalette([rng.randint(0, 255) for _ in range(16 * 3)])
pal.putdata([rng.randint(0, 15) for _ in range(24)])
pal.info['transparency'] = bytes([255, 0, 128] + [255] * 13)
pal.save(os.path.join(d, 'palette4-trns.png'), bits=4, transparency=pal.info['transparency'])

def over(v, a):
    return int((v * a + 255 * (255 - a)) / 255 + 0.5)

expected = {}
for name in sorted(os.listdir(d)):
    if not name.endswith('.png'):
        continue
    im = Image.open(os.path.join(d, name))
    im.load()
    if im.mode in ('I', 'I;16', 'I;16B'):  # 16-bit grey: Pillow keeps the raw values
        rgb = [v >> 8 for v in im.getdata() for _ in range(3)]
    elif im.mode == 'RGBA' or im.mode == 'P' or im.mode == 'LA':
        rgba = im.convert('RGBA')
        rgb = [over(c, p[3]) for p in rgba.getdata() for c in p[:3]]
    else:
        rgb = [c for p in im.convert('RGB').getdata() for c in p]
    expected[name] = {'width': im.width, 'height': im.height, 'mode': im.mode, 'interlace': im.info.get('interlace', 0), 'rgb': rgb}
with open(os.path.join(d, 'expected.json'), 'w') as f:
    json.dump(expected, f)
print('\n'.join(f"{k}: {v['width']}x{v['height']} {v['mode']} interlace={v['interlace']}" for k, v in expected.items()))
