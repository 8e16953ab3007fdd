# syntax=docker/dockerfile:1
# One image for the API, the worker and the one-shot migrate job: they share the Prisma
# clients and the workflow code, and must never run different builds against one database.

# Node 20 exactly: the workflow sandbox takes its Intl timezone data from Node, so a major
# upgrade can change replayed workflow behaviour. package.json's engines says the same.
FROM node:20-bookworm-slim AS build
WORKDIR /app

ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    SCARF_ANALYTICS=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# better-sqlite3's prebuilt binary comes from GitHub, which the project's networks do not
# reach; it falls back to node-gyp, which must find the headers shipped in the image rather
# than download them from nodejs.org.
ENV npm_config_nodedir=/usr/local

# Toolchain for that node-gyp fallback (Debian packages are reachable; it stays in this stage).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
# The stamp is the one scripts/bootstrap.mjs writes after its own `npm ci` (sha256 of the
# lock file); without it bootstrap would run `npm ci` a second time, after every source
# change. If bootstrap's stamp format ever changes, the cost is a redundant install, not a
# broken image.
RUN npm ci \
 && node -e "const f=require('fs'),c=require('crypto');f.mkdirSync('.tools/stamps',{recursive:true});f.writeFileSync('.tools/stamps/npm',c.createHash('sha256').update(f.readFileSync('package-lock.json','utf8')).digest('hex'))"

COPY . .
# Prisma clients for both providers; --no-temporal because containers talk to a real
# Temporal cluster and need no dev-server binaries. Then the compiled JavaScript (dist/) and
# the prebuilt workflow bundle (dist/workflow-bundle.js, WORKFLOW_BUNDLE_PATH in compose), so
# no process runs TypeScript through a loader or bundles workflows at start. Dev
# dependencies (jest, types) go after.
RUN node scripts/bootstrap.mjs --no-temporal \
 && npm run build \
 && npm prune --omit=dev


FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Owned by the unprivileged user so a file: DATABASE_URL (single-container trial) can
# still create .data/; the compose stack uses PostgreSQL and writes nothing here.
COPY --from=build --chown=node:node /app /app
# Mount points of the software library's volumes (docker-compose.yml): a new named volume
# takes its owner from the image, so the unprivileged user can write there.
RUN mkdir -p /var/lib/itsm/dsl /var/lib/itsm/dsl-inbox && chown -R node:node /var/lib/itsm
USER node

EXPOSE 3000
# No HEALTHCHECK here: the worker serves no HTTP and would be marked unhealthy.
# docker-compose.yml checks the API's /healthz instead.
CMD ["node", "dist/api/server.js"]
