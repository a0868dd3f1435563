// Writes the PNG fixtures of test/fixtures that fast-png encodes (16-bit and Adam7-interlaced ones Pillow
// cannot write), then runs scripts/pillow-expected.py, which adds Pillow-written ones and records what
// Pillow decodes every fixture to. Run: node scripts/make-fixtures.mjs (needs python3 with Pillow).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { encode } from 'fast-png';

const dir = new URL('../test/fixtures/', import.meta.url);
let s = 12345;
const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8);

function write(name, width, height, channels, depth, interlace) {
  const n = width * height * channels;
  const data = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = depth === 16 ? next() & 0xffff : next() & 0xff;
  writeFileSync(new URL(name, dir), encode({ width, height, data, channels, depth }, { interlace }));
}

write('rgb16.png', 7, 5, 3, 16, 'null');
write('grey16-adam7.png', 9, 6, 1, 16, 'Adam7');
write('rgba8-adam7.png', 11, 7, 4, 8, 'Adam7');
write('rgba16-adam7.png', 10, 9, 4, 16, 'Adam7');
execFileSync(process.env.PYTHON ?? '/usr/bin/python3', [new URL('pillow-expected.py', import.meta.url).pathname, dir.pathname], { stdio: 'inherit' });
