/**
 * PNG copies of SVG charts through @resvg/resvg-js (a native renderer, loaded on first use). Where its
 * binary does not install, `svgToPng` resolves to undefined and the charts stay SVG only.
 */
let renderer: Promise<((svg: string) => Uint8Array) | undefined> | undefined;

async function loadRenderer(): Promise<((svg: string) => Uint8Array) | undefined> {
  try {
    const mod = (await import('@resvg/resvg-js')) as unknown as { Resvg: new (svg: string, o?: unknown) => { render(): { asPng(): Uint8Array } } };
    const Resvg = mod.Resvg ?? (mod as unknown as { default: typeof mod }).default.Resvg;
    return (svg) => new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
  } catch {
    return undefined;
  }
}

/** The SVG rendered to PNG at 2× (undefined when no renderer is available here). */
export async function svgToPng(svg: string): Promise<Uint8Array | undefined> {
  renderer ??= loadRenderer();
  const render = await renderer;
  return render ? render(svg) : undefined;
}
