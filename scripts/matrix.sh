#!/usr/bin/env bash
# Runs tstorch's build and tests against another Debian release's libtorch, in a Debian root made
# with debootstrap from Debian's packages only (nothing else is downloaded).
#
#   bash scripts/matrix.sh forky              # libtorch 2.14 (Debian testing): npm test in the root
#   bash scripts/matrix.sh trixie             # libtorch 2.6 (Debian 13)
#   bash scripts/matrix.sh host               # the host's libtorch (Debian 12: 1.13), README's test command
#   bash scripts/matrix.sh forky -- CMD ...   # any command, run in the root's copy of the tree
#
# The root is kept in $MATRIX_DIR/RELEASE (default /var/tmp/tstorch-matrix) and reused; the working tree
# (tracked and untracked, not ignored, files) is copied into ROOT/w/${MATRIX_WORK:-tstorch} at every
# call, so the host's own native/build and dist/ are never touched. The host's node_modules, npm,
# .cache/cifar10 and ../shared are mounted read-only beside it. Node comes from the root (Debian's
# nodejs), npm from the host (a release's own npm package may be broken).
#
# Exit status: the command's; 3 when the Debian root itself could not be set up (a mirror or a
# packaging fault of that release, not a tstorch failure), said in one line starting "matrix:"; 2 when
# the copy MATRIX_WORK is in use by a run that is still alive.
#
# Every mount is made in a mount namespace of the run's own: a run that is killed (a session's end, CI
# ending what a session left running) leaves no mount behind, and runs side by side never see each
# other's. Locks are flock(1)s, which die with their holder: a copy in use is one whose run is alive.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
if [ -z "${TSTORCH_MATRIX_NS:-}" ] && [ "${1:-}" != host ]; then
  export TSTORCH_MATRIX_NS=1
  exec unshare --mount --propagation private bash "$repo/scripts/matrix.sh" "$@"
fi

release=${1:?usage: scripts/matrix.sh forky|trixie|host [-- COMMAND...]}
shift
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then set -- npm test; fi

if [ "$release" = host ]; then
  exec "$@"
fi

case "$release" in
  forky) script=sid ;;          # debootstrap 1.0.128 (Debian 12) has no forky script; sid's fits testing
  trixie) script=trixie ;;
  *) echo "matrix: unknown release '$release' (forky, trixie or host)" >&2; exit 2 ;;
esac

# What the suite needs in the root: libtorch with its headers, the PyTorch of the same version for the
# parity tests, Gloo for torch.distributed, a compiler, Node, and the data sets the tests read.
packages=(libtorch-dev python3-torch libgloo-dev g++ make nodejs libnode-dev python3-numpy python3-pil python3-yaml
  libopenblas0-pthread dataset-fashion-mnist bible-kjv bible-kjv-text procps ca-certificates git
  libturbojpeg0-dev libpng-dev python3-torchvision xz-utils)

dir=${MATRIX_DIR:-/var/tmp/tstorch-matrix}
root="$dir/$release"
work=${MATRIX_WORK:-tstorch}
log="$dir/$release.setup.log"
mkdir -p "$dir"

# Debian's mirror, as apt's sources on this machine name it.
mirror() {
  local m
  m=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | sed 's/^URIs: *//')
  [ -z "$m" ] && m=$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  echo "${m:-http://deb.debian.org/debian}"
}

cannot_set_up() {
  echo "matrix: the Debian $release root could not be set up ($1; see $log): a mirror or $release packaging fault, not a tstorch failure" >&2
  exit 3
}

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() { # bind SRC DEST [ro]
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounted+=("$2")
  if [ "${3:-}" = ro ]; then mount -o remount,bind,ro "$2"; fi
}

# The root is made or changed by one run at a time (an exclusive lock), and never under a run that uses
# it (each run keeps a shared lock until it ends); runs that find it ready share it side by side.
exec 8>"$dir/$release.root.lock"
flock -s 8
want="${packages[*]}"
ready() { [ -f "$root/.tstorch-root" ] && [ "$(cat "$root/.tstorch-root")" = "$want" ]; }
if ! ready; then
  flock -u 8
  flock -w 3600 -x 8 || cannot_set_up "other runs held $dir/$release.root.lock for an hour"
fi
if ready; then
  :
elif [ ! -f "$root/.tstorch-root" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
    cannot_set_up "debootstrap is not installed and could not be"
  rm -rf --one-file-system "$root"
  echo "matrix: making the Debian $release root in $root (debootstrap, $(mirror))" >&2
  start=$(date +%s)
  debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" "$release" "$root" "$(mirror)" \
    "/usr/share/debootstrap/scripts/$script" >"$log" 2>&1 || cannot_set_up "debootstrap failed: $(tail -1 "$log")"
  echo "$want" >"$root/.tstorch-root"
  echo "matrix: root ready in $(($(date +%s) - start)) s" >&2
elif [ "$(cat "$root/.tstorch-root")" != "$want" ]; then
  # the package list grew: install the difference with the root's own apt (the mirror may serve a
  # Release file older than its Valid-Until allows: a testing snapshot is still what we want)
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  bind /proc "$root/proc"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    "apt-get -o Acquire::Check-Valid-Until=false update -qq && apt-get install -y -qq --no-install-recommends ${packages[*]}" >"$log" 2>&1 ||
    cannot_set_up "apt-get install failed: $(tail -1 "$log")"
  echo "$want" >"$root/.tstorch-root"
  cleanup; mounted=()
fi
flock -s 8

# The tree, copied fresh (git's view: tracked and untracked files, ignored ones left out).
dest="$root/w/$work"
mkdir -p "$dest"
# One run at a time per copy (its build outputs are rewritten); the lock is held until this run ends.
exec 9>"$dir/$release.w-$work.lock"
if ! flock -n 9; then
  echo "matrix: $dest is in use by another run; give this one its own copy with MATRIX_WORK=NAME" >&2
  exit 2
fi
find "$dest" -mindepth 1 -maxdepth 1 ! -name native ! -name dist -exec rm -rf --one-file-system {} + # keep build outputs between runs
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$dest"

bind /proc "$root/proc"
bind /sys "$root/sys" ro
bind /dev "$root/dev"
mkdir -p "$root/dev/shm" && mount -t tmpfs tmpfs "$root/dev/shm" && mounted+=("$root/dev/shm")
bind "$repo/node_modules" "$dest/node_modules" ro
bind "$(npm root -g)/npm" "$root/opt/host-npm" ro
[ -d "$repo/.cache/cifar10" ] && bind "$repo/.cache/cifar10" "$dest/.cache/cifar10" ro
[ -d "$repo/../shared" ] && bind "$(cd "$repo/../shared" && pwd)" "$root/w/shared" ro
mkdir -p "$root/usr/local/bin"
cat >"$root/usr/local/bin/npm" <<'EOF'
#!/bin/sh
exec node /opt/host-npm/bin/npm-cli.js "$@"
EOF
cat >"$root/usr/local/bin/npx" <<'EOF'
#!/bin/sh
exec node /opt/host-npm/bin/npx-cli.js "$@"
EOF
chmod +x "$root/usr/local/bin/npm" "$root/usr/local/bin/npx"

# npm in the root reaches the registry through whatever the host trusts (a proxy's certificate
# authority among them): the host's bundle is copied in and named to Node and npm.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/tstorch-host-ca.crt" 2>/dev/null || true
ca=()
[ -f "$root/etc/tstorch-host-ca.crt" ] && ca=(NODE_EXTRA_CA_CERTS=/etc/tstorch-host-ca.crt npm_config_cafile=/etc/tstorch-host-ca.crt)

echo "matrix: $release: $(chroot "$root" sh -c 'node --version; dpkg-query -W -f="libtorch \${Version}\n" libtorch-dev' | tr '\n' ' ')" >&2
set +e
chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 CI="${CI:-}" "${ca[@]}" \
  TSTORCH_MATRIX="$release" bash -c 'cd "$0" && exec "$@"' "/w/$work" "$@"
rc=$?
set -e
exit $rc
