/**
 * A contact sheet with captions, as SVG: each image (embedded as a PNG data URI, upscaled `scale`× nearest-neighbour)
 * above its prompt and the verifier's verdict. `@mmada/charts/png` renders it to PNG where its renderer is
 * installed; the SVG alone opens in any browser.
 */
import { encodePng, type RgbImage } from '@mmada/image';
import { upscaleNearest } from './image-sheet.js';

export interface CaptionedImage {
  readonly image: RgbImage;
  readonly caption: string;
  /** The verdict shown under the caption: true pass, false fail, undefined none. */
  readonly pass?: boolean;
}

export interface CaptionedSheetOptions {
  readonly columns?: number;
  /** Drawn size of an image pixel (default 4: a 32-px scene is 128 px). */
  readonly scale?: number;
  /** Characters per caption line before it wraps at a space (default 22). */
  readonly wrap?: number;
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Words of `text` in lines of at most `width` characters (a longer word stands alone on its line). */
export function wrapCaption(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export function captionedSheetSvg(items: readonly CaptionedImage[], options: CaptionedSheetOptions = {}): string {
  if (items.length === 0) throw new RangeError('captionedSheetSvg: no images');
  const scale = options.scale ?? 4;
  const wrap = options.wrap ?? 22;
  const { width, height } = items[0]!.image;
  if (items.some((i) => i.image.width !== width || i.image.height !== height)) throw new RangeError('captionedSheetSvg: images must share one size');
  const cols = Math.min(options.columns ?? 6, items.length);
  const rows = Math.ceil(items.length / cols);
  const captions = items.map((i) => wrapCaption(i.caption, wrap));
  const lineHeight = 14;
  const gutter = 10;
  const textLines = Math.max(...captions.map((c) => c.length)) + (items.some((i) => i.pass !== undefined) ? 1 : 0);
  const cellW = Math.max(width * scale, wrap * 7);
  const cellH = height * scale + 6 + textLines * lineHeight;
  const W = cols * cellW + (cols + 1) * gutter;
  const H = rows * cellH + (rows + 1) * gutter;
  const cells = items.map((item, i) => {
    const x = gutter + (i % cols) * (cellW + gutter);
    const y = gutter + Math.floor(i / cols) * (cellH + gutter);
    // embedded already upscaled: renderers smooth a scaled <image> whatever image-rendering asks
    const href = `data:image/png;base64,${Buffer.from(encodePng(upscaleNearest(item.image, scale))).toString('base64')}`;
    const ix = x + (cellW - width * scale) / 2;
    const text = captions[i]!.map((l, j) => `<text x="${x + cellW / 2}" y="${y + height * scale + 6 + (j + 1) * lineHeight - 3}">${escapeXml(l)}</text>`);
    if (item.pass !== undefined) {
      const j = captions[i]!.length;
      text.push(
        `<text x="${x + cellW / 2}" y="${y + height * scale + 6 + (j + 1) * lineHeight - 3}" fill="${item.pass ? '#1a7f37' : '#cf222e'}" font-weight="bold">${item.pass ? 'pass' : 'fail'}</text>`,
      );
    }
    return `<image x="${ix}" y="${y}" width="${width * scale}" height="${height * scale}" href="${href}" image-rendering="optimizeSpeed"/>\n${text.join('\n')}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="middle">
<rect width="${W}" height="${H}" fill="white"/>
${cells.join('\n')}
</svg>
`;
}
