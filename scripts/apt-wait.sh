# Sourced by setup-webgpu.sh: `apt_get ARGS…` runs apt-get, waiting for the dpkg / apt locks instead of
# failing at once when another apt process holds them (a fresh cloud machine running unattended-upgrades).
# apt's own DPkg::Lock::Timeout covers the dpkg frontend lock; the loop also covers the lists / archives locks
# that `apt-get update` and downloads take. Knobs: SETUP_WEBGPU_APT_LOCK_TIMEOUT (seconds in all, default 600),
# SETUP_WEBGPU_APT_RETRY_SECONDS (pause between tries, default 5).

apt_get() {
  local timeout="${SETUP_WEBGPU_APT_LOCK_TIMEOUT:-600}" pause="${SETUP_WEBGPU_APT_RETRY_SECONDS:-5}"
  local deadline=$((SECONDS + timeout)) err rc told=0 locked
  local lock_pattern='could not get lock|unable to acquire the dpkg frontend lock|unable to lock'
  err="$(mktemp)"
  while :; do
    rc=0
    apt-get -o "DPkg::Lock::Timeout=$timeout" "$@" 2>"$err" || rc=$?
    if [ "$rc" = 0 ]; then cat "$err" >&2; rm -f "$err"; return 0; fi
    locked=0
    grep -qiE "$lock_pattern" "$err" && locked=1
    if [ "$locked" = 1 ] && [ "$SECONDS" -lt "$deadline" ]; then
      if [ "$told" = 0 ]; then
        local holder
        holder="$(grep -ioE -m1 'held by process [0-9]+( \([^)]*\))?' "$err" || true)"
        echo "setup-webgpu: another apt/dpkg process holds its lock${holder:+ ($holder)}; waiting up to ${timeout}s for it to finish" >&2
        told=1
      fi
      sleep "$pause"
      continue
    fi
    cat "$err" >&2
    rm -f "$err"
    if [ "$locked" = 1 ]; then
      echo "setup-webgpu: the apt/dpkg lock was still held after ${timeout}s; run this script again once the other apt process has finished (or raise SETUP_WEBGPU_APT_LOCK_TIMEOUT)" >&2
    fi
    return "$rc"
  done
}
