// scripts/setup-torch.sh: CI's PyTorch for the export parity test, installed from apt only when python lacks it.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/setup-torch.sh', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const canInstall = process.getuid?.() === 0 && existsSync('/etc/debian_version');

/**
 * A fake python that imports torch once `dir/installed` exists (or from the start), and a fake apt-get that logs
 * its arguments and, on `install`, creates that file when `installs` is true.
 */
function fakes(options: { torchAtStart: boolean; installs: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'setup-torch-'));
  dirs.push(dir);
  if (options.torchAtStart) writeFileSync(join(dir, 'installed'), '');
  writeFileSync(join(dir, 'python'), `#!/usr/bin/env bash\n[ -e "${dir}/installed" ]\n`);
  writeFileSync(
    join(dir, 'apt-get'),
    `#!/usr/bin/env bash\necho "$*" >> "${dir}/args"\ncase "$*" in *install*) ${options.installs ? `touch "${dir}/installed"` : 'true'};; esac\n`,
  );
  chmodSync(join(dir, 'python'), 0o755);
  chmodSync(join(dir, 'apt-get'), 0o755);
  const r = spawnSync('bash', [script], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, SETUP_TORCH_PYTHON: join(dir, 'python'), SETUP_WEBGPU_APT_RETRY_SECONDS: '0' },
  });
  const calls = existsSync(join(dir, 'args')) ? readFileSync(join(dir, 'args'), 'utf8').trim().split('\n') : [];
  return { r, calls };
}

describe('scripts/setup-torch.sh', () => {
  it('changes nothing where python already imports torch and numpy', () => {
    const { r, calls } = fakes({ torchAtStart: true, installs: true });
    expect(r.status, r.stderr).toBe(0);
    expect(calls).toEqual([]);
  });

  it('installs python3-torch and python3-numpy without recommends where they are missing (Debian, root)', () => {
    const { r, calls } = fakes({ torchAtStart: false, installs: true });
    if (canInstall) {
      expect(r.status, r.stderr).toBe(0);
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatch(/ update -qq$/);
      expect(calls[1]).toMatch(/ install -y -qq --no-install-recommends python3-torch python3-numpy$/);
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/can only install them on Debian\/Ubuntu\s+as root/);
    }
  });

  it('fails, naming the interpreter, where the install does not make torch importable', () => {
    const { r } = fakes({ torchAtStart: false, installs: false });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(canInstall ? /setup-torch: .*python still cannot import torch and numpy/ : /cannot import torch and numpy/);
  });
});
