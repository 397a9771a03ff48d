#!/usr/bin/env bash
# Builds the vCenter simulator (govmomi's, from Debian's golang-github-vmware-govmomi-dev) into
# tests-integration/target/vcsim/vcsim. Offline: GOPATH is Debian's source tree, no modules, no proxy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/.." && pwd)/target/vcsim"
mkdir -p "$out/gocache"
if [[ ! -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ]] || ! command -v go >/dev/null 2>&1; then
  echo "vcsim: needs 'apt-get install -y golang-go golang-github-vmware-govmomi-dev'" >&2
  exit 1
fi
cd "$here"
GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off GOFLAGS= GOCACHE="$out/gocache" \
  go build -o "$out/vcsim.tmp" main.go
mv "$out/vcsim.tmp" "$out/vcsim"
echo "vcsim: built $out/vcsim"
