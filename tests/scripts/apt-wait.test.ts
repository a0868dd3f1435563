// scripts/apt-wait.sh: setup-webgpu.sh waits for a held dpkg / apt lock instead of failing at once.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/apt-wait.sh', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fake apt-get that reports a held lock `lockedTries` times, then exits with `finalCode`; it logs its arguments. */
function fakeApt(lockedTries: number, finalCode = 0, finalStderr = '') {
  const dir = mkdtempSync(join(tmpdir(), 'apt-wait-'));
  dirs.push(dir);
  const bin = join(dir, 'apt-get');
  writeFileSync(
    bin,
    `#!/usr/bin/env bash
n=$(cat "${dir}/count" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "${dir}/count"
echo "$*" >> "${dir}/args"
if [ "$n" -le ${lockedTries} ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2
  exit 100
fi
printf '%s' '${finalStderr}' >&2
exit ${finalCode}
`,
  );
  chmodSync(bin, 0o755);
  const run = (timeout: number) =>
    spawnSync('bash', ['-c', `set -euo pipefail; . "${script}"; apt_get update -qq`], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, SETUP_WEBGPU_APT_RETRY_SECONDS: '0', SETUP_WEBGPU_APT_LOCK_TIMEOUT: String(timeout) },
    });
  const calls = () => readFileSync(join(dir, 'args'), 'utf8').trim().split('\n');
  return { run, calls };
}

describe('apt_get (scripts/apt-wait.sh)', () => {
  it('waits while another process holds the lock, says so once, then succeeds', () => {
    const apt = fakeApt(3);
    const r = apt.run(600);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/waiting up to 600s/g)).toHaveLength(1);
    expect(r.stderr).toContain('holds its lock (held by process 4242 (unattended-upgr))');
    expect(apt.calls()).toEqual(Array(4).fill('-o DPkg::Lock::Timeout=600 update -qq'));
  });

  it('gives up with a message when the lock outlives the timeout', () => {
    const apt = fakeApt(1_000_000);
    const r = apt.run(0);
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/Could not get lock/);
    expect(r.stderr).toMatch(/still held after 0s; run this script again/);
  });

  it('passes any other failure through at once', () => {
    const apt = fakeApt(0, 2, 'E: Unable to locate package nope');
    const r = apt.run(600);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('E: Unable to locate package nope');
    expect(r.stderr).not.toMatch(/waiting/);
    expect(apt.calls()).toHaveLength(1);
  });
});
