#!/usr/bin/env node
// Container health check: `node bin/healthcheck.js http://127.0.0.1:9464/readyz` exits 0 when
// the URL answers 2xx within 5 s, 1 otherwise (prints the answer). Plain Node, no dependencies.
const url = process.argv[2] ?? `http://127.0.0.1:${process.env.DSBOT_HTTP_PORT ?? 9465}/readyz`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = await res.text();
  if (!res.ok) console.error(`${res.status} ${body.slice(0, 500)}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`${url}: ${err.message}`);
  process.exit(1);
}
