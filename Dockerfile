# dsbot: bot, worker and CLI in one image.
#   docker build -t dsbot .
#   docker run --rm -e REDIS_URL=redis://redis:6379 -e SLACK_BOT_TOKEN=... dsbot worker
#
# The local sandbox runs model-written Python under bubblewrap, which needs to create
# namespaces. Docker's default seccomp/AppArmor profiles forbid that, so either run with
#   --security-opt seccomp=unconfined --security-opt apparmor=unconfined
# or use the E2B sandbox (-e DSBOT_SANDBOX=e2b -e E2B_API_KEY=...). Never set
# sandbox.local.allowUnisolated in a shared deployment.
FROM node:20-bookworm-slim

# bubblewrap + prlimit (util-linux) for the local sandbox; Debian's Python with pandas for the
# kernel; redis-tools for health checks.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      bubblewrap util-linux python3 python3-pandas python3-numpy python3-matplotlib redis-tools ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/dsbot
COPY package.json package-lock.json ./
# tsx is a runtime dependency (bin/dsbot.js runs the TypeScript sources through it).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY config ./config
COPY data ./data
COPY tsconfig.json ./

# Runs, uploads and the embedded Chroma live here (the artifact store): mount a volume.
ENV NODE_ENV=production DSBOT_DATA_DIR=/var/lib/dsbot
RUN mkdir -p /var/lib/dsbot /var/lib/chroma && chown node:node /var/lib/dsbot /var/lib/chroma
VOLUME ["/var/lib/dsbot"]

# Unprivileged: bubblewrap then uses a user namespace, and RLIMIT_NPROC applies.
USER node
ENTRYPOINT ["node", "bin/dsbot.js"]
CMD ["worker"]
