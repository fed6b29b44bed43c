// export_to: slack -- the original's messages through Slack's Web API chat.postMessage: one when
// Slips starts, one per evidence ("<sensor>: Src IP <ip> Detected <description>"), one when it
// stops. Messages are posted one at a time, in order; HTTP 429 is honoured by waiting Retry-After.
import { readFileSync } from 'node:fs';
import type { SinkContext, SinkFactory } from '../sinks/sink.js';
import type { Evidence } from '../evidence/types.js';
import { fullDescription } from '../output/alert-format.js';
import { humanLocal, nowEpoch } from '../util/time.js';
import { visible } from '../util/visible.js';
import { Rejected, type Transport } from './queue.js';
import { exportSettings } from './settings.js';
import { queuedSink, SENDER } from './common.js';

/** Slack's limit is 40 000 characters; longer texts are cut. */
const MAX_TEXT = 39_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** Errors that another attempt cannot fix (Slack Web API error codes). */
const PERMANENT: ReadonlySet<string> = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission',
  'missing_scope', 'channel_not_found', 'not_in_channel', 'is_archived', 'msg_too_long', 'no_text', 'invalid_arguments',
  'invalid_arg_name', 'invalid_charset', 'invalid_form_data', 'invalid_post_type', 'missing_post_type', 'restricted_action',
  'ekm_access_denied', 'team_access_not_granted', 'invalid_blocks', 'too_many_attachments']);

/** Slack's message formatting: &, < and > must be escaped (so evidence text cannot mention @channel or forge links). */
export const slackText = (s: string): string =>
  visible(s).replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;')).slice(0, MAX_TEXT);

/** The original's evidence message; a leaked GPS position is not repeated into the channel. */
export function slackEvidenceText(sensor: string, ev: Evidence): string {
  let description = fullDescription(ev);
  if (ev.evidence_type === 'NETWORK_GPS_LOCATION_LEAKED') {
    const cut = description.indexOf('Leaked location');
    if (cut >= 0) description = description.slice(0, cut).trimEnd();
  }
  return `${sensor}: Src IP ${ev.profile} Detected ${description}`;
}

export class SlackTransport implements Transport<string> {
  readonly description: string;
  private readonly controller = new AbortController();
  private readonly url: string;

  constructor(apiUrl: string, private readonly token: string, private readonly channel: string) {
    this.url = new URL('chat.postMessage', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`).href;
    this.description = `Slack ${this.url} (channel ${channel})`;
  }

  async send(batch: readonly string[]): Promise<void> {
    for (const text of batch) await this.post(text);
  }

  private async post(text: string): Promise<void> {
    for (;;) {
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
      const res = await fetch(this.url, {
        method: 'POST', signal,
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: this.channel, text: slackText(text) }),
      });
      const body = await res.text();
      if (res.status === 429) {
        const wait = Math.min(Math.max(Number(res.headers.get('retry-after')) || 1, 1), 60);
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, wait * 1000);
          this.controller.signal.addEventListener('abort', () => { clearTimeout(t); reject(new Error('stopped')); }, { once: true });
        });
        continue;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      let answer: { ok?: boolean; error?: string };
      try { answer = JSON.parse(body) as typeof answer; } catch { throw new Error('Slack did not answer JSON'); }
      if (answer.ok) return;
      const code = String(answer.error ?? 'unknown_error');
      if (PERMANENT.has(code)) throw new Rejected(code);
      throw new Error(code);
    }
  }

  close(): void { this.controller.abort(); }
}

export const slackSink: SinkFactory = (ctx: SinkContext) => {
  const s = exportSettings(ctx.settings.raw);
  if (!s.exportTo.has('slack')) return null;
  let token: string;
  try { token = readFileSync(s.slack.tokenPath, 'utf8').trim(); } catch {
    ctx.error(SENDER, `Please add slack bot token to ${s.slack.tokenPath}. Exporting to Slack aborted..`);
    return null;
  }
  if (token.length < 5) { ctx.error(SENDER, `invalid slack bot token in ${s.slack.tokenPath}.`); return null; }
  const sensor = s.sensorName;
  const sink = queuedSink('slack', ctx, s, new SlackTransport(s.slack.apiUrl, token, s.slack.channel), {
    evidence: (ev) => slackEvidenceText(sensor, ev),
  }, 1);
  ctx.print(SENDER, 'Exporting to Slack.');
  sink.queue.push(`${sensor}: ${humanLocal(nowEpoch())}: Slips started on sensor: ${sensor}.`);
  const close = sink.close!;
  return {
    ...sink,
    close: async () => {
      sink.queue.push(`${sensor}: ${humanLocal(nowEpoch())}: Slips stopped on sensor: ${sensor}.`);
      ctx.print(SENDER, 'Done exporting to Slack.');
      await close();
    },
  };
};
