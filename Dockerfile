# Build stage: all dependencies, compile TypeScript, copy views, static files and migrations.
FROM node:26.12.1-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY web ./web
COPY db ./db
RUN npm run build

# Runtime stage: production dependencies and the compiled app only, as the unprivileged `node` user.
FROM node:26.12.1-trixie-slim AS runtime
ENV NODE_ENV=production
# A fixed mmap threshold: glibc otherwise raises it after the first free of a large block, so the
# 19 MiB each argon2 hash (a sign-in) takes stays in a libuv thread's malloc arena for good, up to
# ~60 MB of RSS after a few sign-ins. With it, large blocks are mmapped and returned at free (the
# bench runs the app with this environment too; see docs/PERFORMANCE.md).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER 1000:1000
EXPOSE 3000
# Cap the old generation so V8 collects before RSS outgrows the pod's 256 MiB limit: left to
# itself it sizes the heap by the node's memory and let RSS reach ~195 MB under load (the bench
# starts the app with exactly these flags; see docs/PERFORMANCE.md).
CMD ["node", "--max-old-space-size=96", "--max-semi-space-size=8", "dist/web/server.js"]
