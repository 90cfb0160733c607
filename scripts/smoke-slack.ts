/**
 * The Slack side of scripts/docker-smoke.sh, run on the host: a fake Slack (tests/fakes) that
 * the bot container talks to, and a person in it. Writes the fake's API URL to
 * <work>/slack-api-url, waits for the bot's /readyz, asks a question, starts `clean turtle_sales`
 * as an admin, waits for the run to end and its files to be uploaded, asks `status`, then prints
 * one JSON line (run id, state, seconds from trigger to files, uploaded files, replies) and exits
 * 0 when the run succeeded.
 *
 *   npx tsx scripts/smoke-slack.ts <work-dir> <bot-slack-port> <bot-http-port> [timeout-s]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BOT_USER, deliverEvent, eventEnvelope, nextTs, startFakeSlack, type FakeSlack } from '../tests/fakes/slack-server.js';

const [workDir, slackPort, httpPort, timeoutS = '600'] = process.argv.slice(2);
if (!workDir || !slackPort || !httpPort) {
  console.error('usage: tsx scripts/smoke-slack.ts <work-dir> <bot-slack-port> <bot-http-port> [timeout-s]');
  process.exit(2);
}
const ADMIN = 'UADMIN';
const deadline = Date.now() + Number(timeoutS) * 1000;
const say = (line: string) => console.error(`smoke-slack: ${line}`);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, everyMs = 500): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Text of every message the bot posted or edited, in order. */
function botTexts(fake: FakeSlack): string[] {
  return fake.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update' || c.method === 'chat.postEphemeral').map((c) => `${c.args.text ?? ''} ${JSON.stringify(c.args.blocks ?? '')}`);
}

async function mention(fake: FakeSlack, text: string, thread?: string): Promise<void> {
  const endpoint = `http://127.0.0.1:${slackPort}/slack/events`;
  const res = await deliverEvent(endpoint, eventEnvelope({ type: 'app_mention', channel: 'C1', user: ADMIN, text: `<@${BOT_USER}> ${text}`, ts: nextTs(), ...(thread ? { thread_ts: thread } : {}) }));
  if (res.status !== 200) throw new Error(`the bot answered ${res.status} to an event`);
}

const fake = await startFakeSlack();
writeFileSync(path.join(workDir, 'slack-api-url'), fake.apiUrl);
say(`fake Slack at ${fake.apiUrl}`);
let code = 1;
try {
  await until('the bot to be ready', async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`).catch(() => undefined);
    return res?.ok ? true : undefined;
  }, 1_000);
  say('bot ready; asking a question');
  let seen = botTexts(fake).length;
  await mention(fake, 'which columns have missing values in turtle_sales?');
  const answer = await until('the answer', () => botTexts(fake).slice(seen).find((t) => /turtle_sales/.test(t)));
  say('starting `clean turtle_sales` as an admin');
  seen = botTexts(fake).length;
  const triggered = Date.now();
  await mention(fake, 'clean turtle_sales');
  const runId = await until('the run id', () => botTexts(fake).slice(seen).join(' ').match(/run-[0-9a-f]{6,}/)?.[0]);
  say(`run ${runId} queued; waiting for it to end`);
  const state = await until('the run to end', () => {
    const last = fake.callsOf('chat.update').map((c) => JSON.stringify(c.args.blocks ?? c.args.text)).filter((t) => t.includes(runId)).at(-1) ?? '';
    return ['succeeded', 'failed', 'stopped'].find((s) => last.includes(s));
  });
  if (state === 'succeeded') await until('the files', () => (fake.callsOf('files.completeUploadExternal').length ? true : undefined));
  const runSeconds = Math.round((Date.now() - triggered) / 100) / 10;
  const uploaded = fake.callsOf('files.getUploadURLExternal').map((c) => String(c.args.filename));
  const root = fake.messages.find((m) => !m.thread_ts && (m.text ?? '').includes(runId));
  seen = botTexts(fake).length;
  await mention(fake, `status ${runId}`, root?.ts);
  const status = await until('the status reply', () => botTexts(fake).slice(seen).find((t) => t.includes(runId)));
  console.log(JSON.stringify({ runId, state, runSeconds, uploaded, answer: answer.slice(0, 300), status: status.slice(0, 600) }));
  code = state === 'succeeded' ? 0 : 1;
} catch (err) {
  say((err as Error).message);
  console.log(JSON.stringify({ error: (err as Error).message, posts: botTexts(fake).slice(-5) }));
} finally {
  await fake.close();
}
process.exit(code);
