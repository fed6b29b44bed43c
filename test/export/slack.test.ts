// Slack exporter against a local HTTP server that checks each request as Slack's Web API documents
// chat.postMessage: POST, bearer token, a JSON body with charset, channel and text; answers as Slack does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { slackEvidenceText, slackText } from '../../src/export/slack.ts';
import type { Evidence } from '../../src/evidence/types.ts';
import { tempDir } from '../helpers/run.ts';
import { exportConfig, query, runSlipsAsync, TEST13 } from './lib.ts';

const TOKEN = 'xoxb-1234-5678-slips-test';

interface Posted { channel: string; text: string }

async function slackServer(t: { after: (fn: () => Promise<void>) => void }, opts: { rateLimitFirst?: boolean } = {}) {
  const posted: Posted[] = [];
  const problems: string[] = [];
  let rateLimited = !opts.rateLimitFirst;
  const read = async (req: IncomingMessage): Promise<string> => { let s = ''; for await (const c of req) s += c; return s; };
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      const reply = (status: number, obj: object, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }); res.end(JSON.stringify(obj));
      };
      if (req.method !== 'POST' || req.url !== '/api/chat.postMessage') { problems.push(`${req.method} ${req.url}`); return reply(404, { ok: false, error: 'unknown_method' }); }
      const auth = req.headers.authorization;
      if (!auth) return reply(200, { ok: false, error: 'not_authed' });
      if (auth !== `Bearer ${TOKEN}`) return reply(200, { ok: false, error: 'invalid_auth' });
      const type = (req.headers['content-type'] ?? '').toLowerCase().replace(/\s/g, '');
      if (type !== 'application/json;charset=utf-8') problems.push(`content-type ${type}`);
      let msg: Partial<Posted>;
      try { msg = JSON.parse(body) as Partial<Posted>; } catch { return reply(200, { ok: false, error: 'invalid_json' }); }
      if (typeof msg.channel !== 'string' || !msg.channel) return reply(200, { ok: false, error: 'channel_not_found' });
      if (typeof msg.text !== 'string' || !msg.text) return reply(200, { ok: false, error: 'no_text' });
      if (!rateLimited) { rateLimited = true; return reply(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '1' }); }
      posted.push({ channel: msg.channel, text: msg.text });
      reply(200, { ok: true, channel: 'C024BE91L', ts: `${1700000000 + posted.length}.000100`, message: { text: msg.text, type: 'message' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(async () => { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); });
  return { posted, problems, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/` };
}

const tokenFile = (token: string): string => { const p = join(tempDir('slips-slack-'), 'token'); writeFileSync(p, `${token}\n`); return p; };

test("Slack text: &, < and > escaped as Slack requires (no forged @channel or links), control characters visible", () => {
  assert.equal(slackText('<!channel> <http://evil|click> a&b \x1b[31m'), '&lt;!channel&gt; &lt;http://evil|click&gt; a&amp;b \\x1b[31m');
  const ev = { evidence_type: 'NETWORK_GPS_LOCATION_LEAKED', description: 'GPS leaked to 1.2.3.4. Leaked location: 50.1, 14.4',
    threat_level: 'high', profile: '10.0.0.5' } as Evidence;
  assert.equal(slackEvidenceText('s1', ev), 's1: Src IP 10.0.0.5 Detected GPS leaked to 1.2.3.4.');
});

test("test13: the original's start, per-evidence and stop messages reach chat.postMessage, in order, after a 429", async (t) => {
  const slack = await slackServer(t, { rateLimitFirst: true });
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  const conf = exportConfig({ export_to: ['slack'], slack_api_url: slack.url, slack_api_path: tokenFile(TOKEN),
    slack_channel_name: 'soc-alerts', sensor_name: 'gw-1' });
  const res = await runSlipsAsync(['-f', TEST13, '-c', conf], (c) => children.push(c));
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(slack.problems, []);
  const descriptions = query<{ description: string; threat_level: string; profileid: string }>(res.out,
    'SELECT description, threat_level, profileid FROM evidence ORDER BY rowid');
  assert.ok(descriptions.length > 0);
  assert.equal(slack.posted.length, descriptions.length + 2);
  assert.ok(slack.posted.every((p) => p.channel === 'soc-alerts'));
  assert.match(slack.posted[0]!.text, /^gw-1: \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6}: Slips started on sensor: gw-1\.$/);
  assert.match(slack.posted.at(-1)!.text, /^gw-1: .*: Slips stopped on sensor: gw-1\.$/);
  const middle = slack.posted.slice(1, -1).map((p) => p.text).sort();
  const expected = descriptions.map((d) => slackText(`gw-1: Src IP ${d.profileid.replace('profile_', '')} Detected ${d.description} Threat level: ${d.threat_level}.`)).sort();
  assert.deepEqual(middle, expected);
  assert.match(res.stdout, /slack: delivered \d+ messages to Slack .*, dropped 0/);
});

test('a wrong token: Slack answers invalid_auth, each message is counted as refused, the run ends normally', async (t) => {
  const slack = await slackServer(t);
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  const conf = exportConfig({ export_to: ['slack'], slack_api_url: slack.url, slack_api_path: tokenFile('xoxb-wrong') });
  const res = await runSlipsAsync(['-f', TEST13, '-c', conf], (c) => children.push(c));
  assert.equal(res.code, 0, res.stderr);
  assert.equal(slack.posted.length, 0);
  assert.match(res.stderr, /refused 1 message: invalid_auth/);
  const n = query(res.out, 'SELECT id FROM evidence').length + 2;
  assert.match(res.stderr, new RegExp(`slack: delivered 0 messages to .*, dropped 0, refused by the receiver ${n}`));
});

test('a missing token file: one clear line, the analysis runs without Slack', async (t) => {
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  const res = await runSlipsAsync(['-f', TEST13, '-c', exportConfig({ export_to: ['slack'], slack_api_path: '/nonexistent/token' })],
    (c) => children.push(c));
  assert.equal(res.code, 0);
  assert.match(res.stderr, /Please add slack bot token to \/nonexistent\/token\. Exporting to Slack aborted\.\./);
});
