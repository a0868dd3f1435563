/**
 * @mmada/charts/png — PNG copies of the SVG charts through @resvg/resvg-js, a native renderer (Node only;
 * a browser shows the SVG itself). The renderer loads on first use; where its binary is not installed,
 * `svgToPng` resolves to undefined and callers keep the SVG alone.
 */
let renderer: Promise<((svg: string) => Uint8Array) | undefined> | undefined;

interface ResvgModule {
  Resvg: new (svg: string, options?: unknown) => { render(): { asPng(): Uint8Array } };
}

async function loadRenderer(): Promise<((svg: string) => Uint8Array) | undefined> {
  try {
    const mod = (await import('@resvg/resvg-js')) as unknown as ResvgModule & { default?: ResvgModule };
    const Resvg = mod.Resvg ?? mod.default!.Resvg;
    return (svg) => new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  } catch {
    return undefined;
  }
}

/** The SVG rendered to PNG at 2× (undefined when no renderer is available on this platform). */
export async function svgToPng(svg: string): Promise<Uint8Array | undefined> {
  renderer ??= loadRenderer();
  const render = await renderer;
  return render ? render(svg) : undefined;
}

/**
 * Writes a chart as `<base>.svg` and `<base>.png` with the caller's writer (an atomic one in this
 * project); returns the paths written.
 */
export async function writeChart(base: string, svg: string, write: (path: string, content: string | Uint8Array) => Promise<void>): Promise<string[]> {
  await write(`${base}.svg`, svg);
  const png = await svgToPng(svg);
  if (!png) return [`${base}.svg`];
  await write(`${base}.png`, png);
  return [`${base}.svg`, `${base}.png`];
}
