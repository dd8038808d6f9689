#!/usr/bin/env bash
# Builds herdguard's two images from the repository's Dockerfile with buildah (no Docker),
# on the locally assembled bases (images/local/bases.sh), then writes every image the node
# needs as an OCI archive into ~/.cache/herdguard/images/ for `ctr images import`.
# Prints one line per image: name, size, archive. Users with Docker build the same
# Dockerfile against the public bases (see its header).
# HERDGUARD_BUILD_CONTEXT builds from another checkout (e.g. a clean worktree of HEAD).
set -euo pipefail
cd "$(dirname "$0")/../.."
. images/local/lib.sh
bash images/local/bases.sh
mkdir -p "$ARCHIVES"
context="${HERDGUARD_BUILD_CONTEXT:-.}"

# The Dockerfile's build stages run `npm ci`; --network host lets them reach the npm
# registry the way this machine does, without a bridge of buildah's own.
for target in operator services; do
  var="$(echo "${target}_IMAGE" | tr a-z A-Z)"
  t=$(date +%s)
  "${BUILDAH[@]}" bud --quiet --layers --network host --pull-never --target "$target" \
    --build-arg "NODE_IMAGE=$NODE_BUILD_IMAGE" --build-arg "RUNTIME_IMAGE=$NODE_RUNTIME_IMAGE" \
    -t "${!var}" -f "$context/Dockerfile" "$context" >/dev/null
  echo "build: ${!var} in $(( $(date +%s) - t ))s" >&2
done

for image in "$PAUSE_IMAGE" "$COREDNS_IMAGE" "$REDIS_IMAGE" "$POSTGRES_IMAGE" "$OPERATOR_IMAGE" "$SERVICES_IMAGE"; do
  file="$ARCHIVES/$(echo "${image#localhost/}" | tr '/:' '__').tar"
  id=$("${BUILDAH[@]}" inspect --type image --format '{{.FromImageID}}' "$image")
  # Re-export only when the image changed since its archive was written.
  if [ ! -f "$file" ] || [ "$(cat "$file.id" 2>/dev/null)" != "$id" ]; then
    rm -f "$file"
    "${BUILDAH[@]}" push -q "$image" "oci-archive:$file:$image" >/dev/null
    echo "$id" > "$file.id"
  fi
  printf '%s\t%s\t%s\n' "$image" "$(image_size "$image")" "$file"
done
