# syntax=docker/dockerfile:1
# Gatehouse: `docker build -t gatehouse .` (docs/deployment.md).

# Build: compilers for better-sqlite3's native module when no prebuilt binary fits, the
# TypeScript build, then the development dependencies pruned away.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
# `prepare` builds dist/ as part of the install.
RUN npm ci && npm prune --omit=dev && npm cache clean --force

# Run: the Node runtime, the compiled code, production dependencies; no compiler, no npm cache,
# no sources. The `node` user (uid 1000) owns nothing it runs.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY examples ./examples
COPY docs ./docs
# Where a demo issuer's key set is mounted (deploy/compose.yaml): a fresh volume takes this owner.
RUN mkdir -p /keys && chown 1000:1000 /keys
USER 1000:1000
# 8080: the gateway (listen.http); 9090: the admin listener (metrics, /healthz, /readyz).
EXPOSE 8080 9090
# Liveness of the process from inside the container (no curl in the image: Node's own fetch).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9090/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["start", "--config", "/etc/gatehouse/gatehouse.yaml"]
