# sema4-demo as a container: `docker build -t sema4-demo . && docker run -p 8300:8300 sema4-demo`.
# Two stages: `build` holds the compilers and dev dependencies (TypeScript, better-sqlite3's native addon);
# `runtime` gets only the compiled app, production node_modules and the tools the agent's sandbox uses.
# Node 22: Node 20 reached end of life in April 2026 (the code still runs on 20).

FROM node:22-bookworm-slim AS build
WORKDIR /app
# Native addons compile here: better-sqlite3 when no prebuilt binary matches the platform, and the virtual
# shell's optional xz support (node-liblzma, against Debian's liblzma; the runtime's liblzma5 is in the base).
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ liblzma-dev \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# The viewer's pages (web/, built by Vite into dist/web, which the runtime serves at /ui/ with the rest of dist).
COPY web ./web
# `npm ci` builds the service too: package.json's prepare runs `npm run build` (tsc into dist/, Vite into dist/web).
RUN npm ci --no-audit --no-fund \
    && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
# tini runs as PID 1: it forwards SIGTERM to node (which drains) and reaps the sandbox's orphans.
# sqlite3 is the CLI the agent's shell offers; bubblewrap is its sandbox when user namespaces are allowed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini sqlite3 bubblewrap \
    && rm -rf /var/lib/apt/lists/*
# SHUTDOWN_GRACE_MS stays under `docker stop`'s default 10 s so a drain ends before SIGKILL.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8300 \
    DATA_DIR=/data \
    SHUTDOWN_GRACE_MS=8000
WORKDIR /app
# The app's files stay root-owned (the service cannot rewrite itself); only DATA_DIR is the app user's.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
# `node` (uid 1000) comes with the base image. Modal builds with APP_USER=root: its builder appends
# root-only steps after this file, and its containers are gVisor sandboxes anyway.
ARG APP_USER=node
USER ${APP_USER}
EXPOSE 8300
# Slim images have no curl: node's own fetch asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8300)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
