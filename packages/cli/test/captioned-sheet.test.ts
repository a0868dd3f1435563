import { describe, expect, it } from 'vitest';
import { createImage, decodePng } from '@mmada/image';
import { captionedSheetSvg, wrapCaption } from '../src/recipe/captioned-sheet.js';

describe('captioned contact sheet', () => {
  it('wraps a caption at spaces, a long word alone on its line', () => {
    expect(wrapCaption('a photo of a red circle and a blue square', 14)).toEqual(['a photo of a', 'red circle and', 'a blue square']);
    expect(wrapCaption('  tiny  ', 14)).toEqual(['tiny']);
    expect(wrapCaption('supercalifragilistic word', 10)).toEqual(['supercalifragilistic', 'word']);
    expect(wrapCaption('', 10)).toEqual([]);
  });

  it('embeds each image as a PNG with its escaped caption and verdict, on a grid', () => {
    const red = createImage(4, 4, [255, 0, 0]);
    const blue = createImage(4, 4, [0, 0, 255]);
    const svg = captionedSheetSvg(
      [
        { image: red, caption: 'a red square', pass: true },
        { image: blue, caption: 'a <blue> & "odd" one', pass: false },
        { image: red, caption: 'no verdict' },
      ],
      { columns: 2, scale: 8 },
    );
    const hrefs = [...svg.matchAll(/href="data:image\/png;base64,([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs).toHaveLength(3);
    const first = decodePng(Buffer.from(hrefs[0]!, 'base64'));
    if (!('right' in first)) throw new Error('not decodable');
    expect([first.right.width, first.right.height]).toEqual([32, 32]);
    expect(Array.from(first.right.data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(svg).toContain('>a red square<');
    expect(svg).toContain('a &lt;blue&gt; &amp; &quot;odd&quot; one');
    expect(svg.match(/>pass</g)).toHaveLength(1);
    expect(svg.match(/>fail</g)).toHaveLength(1);
    // two columns of 4·8 = 32 px images: the third image starts the second row
    const ys = [...svg.matchAll(/<image x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBe(ys[1]);
    expect(ys[2]!).toBeGreaterThan(ys[0]! + 32);
    expect(() => captionedSheetSvg([])).toThrow(/no images/);
    expect(() => captionedSheetSvg([{ image: red, caption: '' }, { image: createImage(3, 3), caption: '' }])).toThrow(/one size/);
  });
});
