# Shared by images/local/*.sh: where buildah keeps its store, the local image names, and
# the helpers that assemble a scratch root from this machine's own files.
CACHE="${HERDGUARD_CACHE:-$HOME/.cache/herdguard}"
# overlay: layers are shared, not copied (vfs copied the whole root file system for every
# step: tens of GB and minutes per build). Root here can mount overlay, as containerd does.
BUILDAH=(buildah --root "$CACHE/buildah-overlay/root" --runroot "$CACHE/buildah-overlay/run" --storage-driver overlay)
IMAGE_TAG="${HERDGUARD_IMAGE_TAG:-dev}"
PAUSE_IMAGE=localhost/herdguard/pause:3.10
COREDNS_IMAGE="localhost/herdguard/coredns:${COREDNS_VERSION:-v1.12.4}"
NODE_BUILD_IMAGE="localhost/herdguard/node-build:${NODE_VERSION:-20.20.2}"
NODE_RUNTIME_IMAGE="localhost/herdguard/node-runtime:${NODE_VERSION:-20.20.2}"
REDIS_IMAGE=localhost/herdguard/redis:7.0
POSTGRES_IMAGE=localhost/herdguard/postgres:15
OPERATOR_IMAGE="localhost/herdguard/operator:$IMAGE_TAG"
SERVICES_IMAGE="localhost/herdguard/services:$IMAGE_TAG"
ARCHIVES="$CACHE/images"

have_image() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }
image_size() { "${BUILDAH[@]}" images --format '{{.Size}}' "$1" 2>/dev/null | head -n 1; }

fresh_root() { # name -> an empty directory
  local root="$CACHE/image-work/root-$1"
  rm -rf "$root"; mkdir -p "$root/etc" "$root/tmp"; chmod 1777 "$root/tmp"
  echo "$root"
}

add_libs() { # root elf... : copies the shared libraries (and the loader) each ELF needs
  local root="$1" f lib; shift
  for f in "$@"; do
    { ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true; } | while read -r lib; do
      if [ ! -e "$root$lib" ]; then mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; fi
    done
  done
}

add_busybox() { # root : /bin/sh and the usual tools, from Debian's busybox-static
  local root="$1" applet
  mkdir -p "$root/bin"; cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done
  mkdir -p "$root/usr/bin"; ln -sf /bin/busybox "$root/usr/bin/env"   # for #!/usr/bin/env shebangs (npm)
}

add_user() { # root name uid home
  mkdir -p "$1$4"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:%s:%s:%s:%s:/sbin/nologin\n' "$2" "$3" "$3" "$2" "$4" > "$1/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "$2" "$3" > "$1/etc/group"
}

commit_root() { # root image [buildah config flags...]
  local root="$1" image="$2" c; shift 2
  c=$("${BUILDAH[@]}" from scratch)
  "${BUILDAH[@]}" copy "$c" "$root/" / >/dev/null
  "${BUILDAH[@]}" config "$@" "$c"
  "${BUILDAH[@]}" commit -q --rm "$c" "$image" >/dev/null
}
