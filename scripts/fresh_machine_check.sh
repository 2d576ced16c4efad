#!/usr/bin/env bash
# Fresh-machine check: does the README's quick start work on a clean Debian 12 with nothing done by
# hand? Builds a clean Debian 12 root (mmdebstrap, variant minbase, from the Debian mirror that this
# machine's apt already uses), copies this checkout into it (the files a clone has: tracked files
# and untracked files git does not ignore; no build/, no node_modules, no .git), and runs inside it
# exactly the README's first command, then its test command, both read from the README itself.
# Every step prints its time and a summary ends the run; a failing step is named loudly and the
# script exits non-zero. The root is thrown away at the end (--keep keeps it, for debugging).
#
# Runs as root on a Debian host (mmdebstrap, chroot and mounts need it; it installs mmdebstrap when
# missing). Takes about 20-30 minutes on 2 cores, most of it the build inside the root.
#
# Usage: scripts/fresh_machine_check.sh [--keep]
# Environment:
#   IMBGEN_CHECK_DIR    where the throwaway root is made (default /var/tmp; never the checkout)
#   IMBGEN_CHECK_CACHE  .deb cache kept between runs, outside the checkout (default
#                       /var/cache/imbgen-freshroot; empty: no cache). See "the .deb cache" below.
set -Eeuo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"

keep=0
case "${1:-}" in
  --keep) keep=1 ;;
  "") ;;
  -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "fresh_machine_check: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac
check_dir="${IMBGEN_CHECK_DIR:-/var/tmp}"
cache="${IMBGEN_CHECK_CACHE-/var/cache/imbgen-freshroot}"
suite=bookworm  # Debian 12, the system the README promises

# ---- steps: timing, summary, loud failure ----
t0=$SECONDS
step_no=0
step_name=""
step_start=$SECONDS
summary=()
work=""  # the throwaway folder: the root and the logs
root=""
step() {
  step_no=$((step_no + 1))
  step_name="$1"
  step_start=$SECONDS
  echo
  echo "==== fresh_machine_check: step $step_no: $step_name ($(date -u +%H:%M:%S) UTC)"
}
mmss() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
step_done() {
  local took=$((SECONDS - step_start))
  summary+=("$(printf '  %-2s %-64s %8s' "$step_no" "$step_name" "$(mmss "$took")")${1:+  ($1)}")
  echo "==== fresh_machine_check: step $step_no done in $(mmss "$took")${1:+ ($1)}"
}
print_summary() {
  echo "fresh_machine_check: step times"
  printf '%s\n' "${summary[@]}"
}
failed() {
  local rc=$?
  trap - ERR
  local took=$((SECONDS - step_start))
  summary+=("$(printf '  %-2s %-64s %8s' "$step_no" "$step_name" "$(mmss "$took")")  FAILED (exit $rc)")
  {
    echo
    echo "########################################################################################"
    echo "fresh_machine_check: FAILED at step $step_no: $step_name"
    echo "fresh_machine_check: exit code $rc after $(mmss "$took") in that step," \
      "$(mmss $((SECONDS - t0))) in all; its output is above"
    echo "########################################################################################"
    print_summary
  } >&2
  exit "$rc"
}
trap failed ERR
cleanup() {
  [ -n "$work" ] && [ -d "$work" ] || return 0
  if [ "$keep" -eq 1 ]; then
    echo "fresh_machine_check: kept the root at $root (remove it with: rm -rf --one-file-system $work)"
    return 0
  fi
  # Every mount was made in a private mount namespace that ended with its command; check anyway,
  # so that rm never descends into a mounted file system.
  if findmnt -rn -o TARGET | grep -q "^$work/"; then
    echo "fresh_machine_check: mounts left under $work; not removing it" >&2
    return 0
  fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# in_root COMMAND: runs COMMAND with bash as root inside the clean root, from /root/imbgen (the
# checkout), with a clean environment, no standard input, and /proc, /sys, /dev/shm and /dev/pts
# mounted (Chromium needs /proc and /dev/shm). The mounts live in a private mount namespace and
# disappear with the command. The environment keeps only what this machine sets for every program
# on it, which a user of this machine would have too: proxy variables, and OPENBLAS_* (this
# machine sets OPENBLAS_CORETYPE=Haswell, where OpenBLAS's own CPU detection would pick its
# AVX-512 "Cooperlake" kernels; the tests pass with both (0.8: `env -u OPENBLAS_CORETYPE
# ctest` in the build folder), but a user of this machine runs Haswell's).
in_root() {
  local passed=() v
  for v in $(compgen -e); do
    case "$v" in
      OPENBLAS_*|http_proxy|https_proxy|no_proxy) passed+=("$v=${!v}") ;;
    esac
  done
  # shellcheck disable=SC2016  # expanded by the inner bash
  unshare --mount --propagation private --pid --fork bash -c '
    set -e
    root=$1; shift
    mount -t proc proc "$root/proc"
    mount -t sysfs -o ro sysfs "$root/sys"
    mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts"
    exec chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      NODE_EXTRA_CA_CERTS=/etc/imbgen-check/host-ca-certificates.crt "${@:2}" \
      bash -c "cd /root/imbgen && $1" </dev/null
  ' bash "$root" "$1" "${passed[@]}"
}

# ---- 1: host tools ----
step "host tools (root, mmdebstrap, git)"
[ "$(id -u)" -eq 0 ] || { echo "fresh_machine_check: run as root (mmdebstrap, chroot, mount)" >&2; false; }
if ! command -v mmdebstrap >/dev/null; then
  echo "fresh_machine_check: installing mmdebstrap on this host"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mmdebstrap </dev/null ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends mmdebstrap </dev/null; }
fi
for tool in git unshare chroot findmnt; do
  command -v "$tool" >/dev/null || { echo "fresh_machine_check: $tool not found" >&2; false; }
done
git -C "$src" rev-parse --git-dir >/dev/null
step_done

# ---- 2: the README's commands ----
step "read the README's commands"
# The first fenced code block of README.md: its first line is the first command, its second line
# the test command; a trailing "# comment" is not part of the command.
mapfile -t readme_commands < <(awk '/^```/ { if (inside) exit; inside = 1; next }
  inside && NF { sub(/[ \t]+#.*$/, ""); print }' "$src/README.md")
[ "${#readme_commands[@]}" -ge 2 ] ||
  { echo "fresh_machine_check: README.md's first code block has fewer than 2 commands" >&2; false; }
first_command="${readme_commands[0]}"
test_command="${readme_commands[1]}"
echo "first command: $first_command"
echo "test command:  $test_command"
step_done

# ---- 3: mirrors ----
step "Debian 12 sources from this machine's apt"
# Every Debian 12 ($suite, $suite-updates, $suite-security) index this host's apt reads, as
# "deb URL SUITE COMPONENTS" lines, so that the root has what a fresh install has.
debian_sources() {
  # shellcheck disable=SC2016  # $(...) are apt's placeholders
  apt-get indextargets --format '$(ORIGIN) $(SITE) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
    awk -v suite="$suite" '$1 == "Debian" && ($3 == suite || index($3, suite "-") == 1) {
        key = $2 " " $3; if (!(key in c)) order[n++] = key
        if (index(" " c[key] " ", " " $4 " ") == 0) c[key] = c[key] (c[key] ? " " : "") $4 }
      END { for (i = 0; i < n; i++) print "deb " order[i] " " c[order[i]] }'
}
mapfile -t sources < <(debian_sources)
if [ "${#sources[@]}" -eq 0 ]; then  # the host's lists may not have been fetched yet
  apt-get update -q </dev/null >/dev/null
  mapfile -t sources < <(debian_sources)
fi
[ "${#sources[@]}" -gt 0 ] ||
  { echo "fresh_machine_check: this machine's apt has no Debian $suite source" >&2; false; }
printf '%s\n' "${sources[@]}"
step_done "${#sources[@]} sources"

# ---- 4: the clean root ----
step "create a clean Debian 12 root (mmdebstrap --variant=minbase)"
mkdir -p "$check_dir"
work="$(mktemp -d "$check_dir/imbgen-freshroot.XXXXXX")"
chmod 755 "$work"  # apt's download user (_apt) must reach the root's folders
root="$work/root"
# force-unsafe-io: dpkg skips its fsync calls in this throwaway root (on a slow disk they take
# most of the install time); it changes nothing about what gets installed.
mmdebstrap --variant=minbase --mode=root --dpkgopt=force-unsafe-io "$suite" "$root" "${sources[@]}"
# What the environment needs, not the project, so it is here and not in scripts/setup.sh: the npm
# registry is reached through a proxy whose certificate only this machine's CA bundle has. node
# reads NODE_EXTRA_CA_CERTS (set by in_root) and so does npm. The root has no other change: no
# package added, nothing configured for the project. (mmdebstrap copies /etc/resolv.conf.)
mkdir -p "$root/etc/imbgen-check"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/imbgen-check/host-ca-certificates.crt"
step_done "$(du -sh --one-file-system "$root" | cut -f1)"

# ---- 5: the checkout ----
step "copy the checkout into the root (/root/imbgen)"
mkdir -p "$root/root/imbgen"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
   while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
   tar -c --null --no-recursion -T - -f -) | tar -x -C "$root/root/imbgen" -f -
step_done "$(find "$root/root/imbgen" -type f | wc -l) files"

# ---- the .deb cache ----
# The first command's apt-get downloads about 530 MB. To make repeated checks faster, .deb files are
# kept in $cache between runs (outside the checkout and outside the root). Before the first command
# they are hard-linked into the root's /var/cache/apt/archives; apt uses one only when it is the
# very version and checksum of the root's freshly fetched package lists, so the root installs
# exactly what it would download: it is still clean, only the download is saved. After the
# command, the cache is replaced by this run's .deb files. Hard links (copies across file systems)
# rather than a bind mount, so that two checks running at once never share apt's lock.
archives="$root/var/cache/apt/archives"
if [ -n "$cache" ]; then
  mkdir -p "$cache"
  find "$cache" -maxdepth 1 -name '*.deb' -exec cp -l -t "$archives" {} + 2>/dev/null ||
    find "$cache" -maxdepth 1 -name '*.deb' -exec cp -t "$archives" {} +
  echo "fresh_machine_check: $(find "$archives" -maxdepth 1 -name '*.deb' | wc -l) .deb files" \
    "from the cache $cache"
fi
save_cache() {  # save_cache [prune]: prune drops the cached files this run did not use
  [ -n "$cache" ] || return 0
  find "$archives" -maxdepth 1 -name '*.deb' -exec cp -l -n -t "$cache" {} + 2>/dev/null ||
    find "$archives" -maxdepth 1 -name '*.deb' -exec cp -n -t "$cache" {} + || true
  if [ "${1:-}" = prune ]; then
    local f
    for f in "$cache"/*.deb; do
      if [ -e "$f" ] && [ ! -e "$archives/${f##*/}" ]; then rm -f "$f"; fi
    done
  fi
  return 0
}

# ---- 6: the README's first command ----
step "README first command: $first_command"
log="$work/first-command.log"
in_root "$first_command" 2>&1 | tee "$log" || { rc=$?; save_cache; (exit "$rc"); }
save_cache prune
setup_s="$(sed -n 's/^setup: built .*; setup finished in \([0-9]*\) s$/\1/p' "$log" | tail -n 1)"
first_s=$((SECONDS - step_start))
breakdown=""
if [ -n "$setup_s" ]; then
  breakdown="scripts/setup.sh $(mmss "$setup_s"), then imbgen run $(mmss $((first_s - setup_s)))"
  sed -n 's/^setup: \[\(.*\)\] done in \([0-9]*\) s.*$/  setup.sh step \1: \2 s/p' "$log"
fi
step_done "$breakdown"

step "the first command's output: imbgen-out/report.html"
ls -l "$root/root/imbgen/imbgen-out/report.html" "$root/root/imbgen/imbgen-out/results.json"
step_done

# ---- 7: the README's test command ----
step "README test command: $test_command"
in_root "$test_command" 2>&1 | tee "$work/test-command.log"
step_done "$(grep -E '^[0-9]+% tests passed' "$work/test-command.log" | tail -n 1)"

# ---- 8: setup.sh is idempotent ----
step "scripts/setup.sh again: installs nothing, builds nothing"
in_root "scripts/setup.sh" 2>&1 | tee "$work/setup-again.log"
grep -q "all Debian packages present" "$work/setup-again.log"
grep -q "node_modules is up to date" "$work/setup-again.log"
grep -q "ninja: no work to do" "$work/setup-again.log"
step_done

echo
echo "fresh_machine_check: PASSED in $(mmss $((SECONDS - t0)))"
print_summary
