/**
 * Headless Chromium for the browser tests, driven by playwright-core (no browser is downloaded: the system's
 * Debian `chromium` is used, or MMADA_CHROMIUM). Its WebGPU runs on SwiftShader where there is no GPU.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export type ChromiumStatus = { ok: true; path: string } | { ok: false; reason: string };

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** True where a missing browser is a failure rather than a skip (CI installs one). */
export function browserRequired(): boolean {
  return process.env.CI === 'true';
}

/** Where Chromium is, or why the browser tests cannot run. */
export function findChromium(): ChromiumStatus {
  const asked = process.env.MMADA_CHROMIUM;
  if (asked) return existsSync(asked) ? { ok: true, path: asked } : { ok: false, reason: `MMADA_CHROMIUM=${asked} does not exist` };
  const path = CANDIDATES.find((p) => existsSync(p));
  return path
    ? { ok: true, path }
    : { ok: false, reason: `no Chromium at ${CANDIDATES.join(', ')} (apt-get install chromium, or set MMADA_CHROMIUM)` };
}

/** The flags that give headless Chromium WebGPU on Vulkan or SwiftShader. */
export function chromiumArgs(): string[] {
  const args = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];
  // Chromium refuses to start as root with its sandbox on (containers, CI).
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}

export function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({ executablePath: path, headless: true, args: chromiumArgs() });
}
