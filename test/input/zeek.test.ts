import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ZeekLineParser, zeekLogKind } from '../../src/input/zeek.ts';
import { mapZeekRecord } from '../../src/flows/zeek-map.ts';
import { ZeekReader } from '../../src/input/zeek-reader.ts';
import type { Flow, ConnFlow, DnsFlow } from '../../src/flows/types.ts';
import { tempDir } from '../helpers/run.ts';

const HEADER = [
  '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tdns',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\trcode_name\tanswers\tTTLs',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\tstring\tvector[string]\tvector[interval]',
];

test('log kinds follow the original naming rule, plus .labeled and .gz', () => {
  assert.equal(zeekLogKind('conn.log'), 'conn');
  assert.equal(zeekLogKind('/x/conn.2022-05-11-14-43-20.log'), 'conn');
  assert.equal(zeekLogKind('conn.log.labeled'), 'conn');
  assert.equal(zeekLogKind('dns.log.gz'), 'dns');
  assert.equal(zeekLogKind('x509.log'), 'x509');
  assert.equal(zeekLogKind('loaded_scripts.log'), null);
  assert.equal(zeekLogKind('conn.txt'), null);
});

test('TSV values are typed by #types: sets, vectors, unset and empty fields, escapes', () => {
  const p = new ZeekLineParser('dns');
  for (const h of HEADER) assert.equal(p.parse(h).kind, 'skip');
  const r = p.parse('10.5\tCabc\t10.0.0.1\t5353\t8.8.8.8\t53\tudp\tex\\x41mple.com\tA\tNOERROR\t1.2.3.4,cname.example\t60.0,30.0');
  assert.equal(r.kind, 'record');
  if (r.kind !== 'record') return;
  assert.equal(r.ts, 10.5);
  assert.equal(r.rec['id.orig_p'], 5353);
  assert.equal(r.rec.query, 'exAmple.com');
  assert.deepEqual(r.rec.answers, ['1.2.3.4', 'cname.example']);
  assert.deepEqual(r.rec.TTLs, [60, 30]);
  const f = mapZeekRecord('dns', r.rec, r.ts, 'default') as DnsFlow;
  assert.equal(f.type_, 'dns');
  assert.equal(f.saddr, '10.0.0.1');
  assert.deepEqual(f.answers, ['1.2.3.4', 'cname.example']);
  const empty = p.parse('11\tCdef\t10.0.0.1\t5353\t8.8.8.8\t53\tudp\t-\t-\t-\t(empty)\t-');
  assert.equal(empty.kind, 'record');
  if (empty.kind === 'record') {
    assert.deepEqual(empty.rec.answers, []);
    assert.equal(empty.rec.query, null);
    assert.equal((mapZeekRecord('dns', empty.rec, 11, 'default') as DnsFlow).query, '');
  }
});

test('malformed lines are errors, not exceptions', () => {
  const p = new ZeekLineParser('dns');
  assert.equal(p.parse('1\t2\t3').kind, 'error', 'data before #fields');
  for (const h of HEADER) p.parse(h);
  assert.match((p.parse('1\t2\t3') as { message: string }).message, /expected 12 tab-separated fields, found 3/);
  assert.match((p.parse('notatime\tC\t10.0.0.1\t1\t8.8.8.8\t53\tudp\tq\tA\tNOERROR\t-\t-') as { message: string }).message, /invalid timestamp/);
  assert.match((p.parse('{"ts": 1') as { message: string }).message, /invalid JSON/);
  assert.match((p.parse('{"uid": "x"}') as { message: string }).message, /no numeric "ts"/);
});

test('conn records map to Slips fields with derived totals and labels', () => {
  const rec = { ts: 5, uid: 'C1', 'id.orig_h': '10.0.0.2', 'id.orig_p': 1234, 'id.resp_h': '1.1.1.1', 'id.resp_p': 443,
    proto: 'tcp', service: 'ssl', duration: 2.5, orig_bytes: 100, resp_bytes: 200, conn_state: 'SF', history: 'ShADadFf',
    orig_pkts: 3, resp_pkts: 4, orig_l2_addr: 'aa:bb:cc:dd:ee:ff', resp_l2_addr: '11:22:33:44:55:66', label: 'Malicious',
    detailedlabel: 'C2' };
  const f = mapZeekRecord('conn', rec, 5, 'default') as ConnFlow;
  assert.equal(f.appproto, 'ssl');
  assert.equal(f.endtime, 7.5);
  assert.equal(f.bytes, 300);
  assert.equal(f.pkts, 7);
  assert.equal(f.state_hist, 'ShADadFf');
  assert.equal(f.smac, 'aa:bb:cc:dd:ee:ff');
  assert.equal(f.ground_truth_label, 'Malicious');
  assert.equal(f.detailed_ground_truth_label, 'C2');
  const noHist = mapZeekRecord('conn', { ...rec, history: null, proto: 'unknown_transport' }, 5, 'default') as ConnFlow;
  assert.equal(noHist.state_hist, 'SF');
  assert.equal(noHist.proto, '');
});

test('a folder is merged in timestamp order across logs, JSON and TSV alike, plain and gzip', async () => {
  const dir = tempDir();
  const conn = [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring',
    '1.0\tC1\t10.0.0.1\t1\t1.1.1.1\t80\ttcp\tSF', '3.0\tC3\t10.0.0.1\t1\t1.1.1.1\t80\ttcp\tSF', '#close\t2020',
  ].join('\n');
  writeFileSync(join(dir, 'conn.log'), conn);
  writeFileSync(join(dir, 'dns.log.gz'), gzipSync(['{"ts":2.0,"uid":"D2","id.orig_h":"10.0.0.1","id.orig_p":5,"id.resp_h":"8.8.8.8","id.resp_p":53,"query":"a.com"}',
    '{"ts":4.0,"uid":"D4","id.orig_h":"10.0.0.1","id.orig_p":5,"id.resp_h":"8.8.8.8","id.resp_p":53,"query":"b.com"}'].join('\n')));
  writeFileSync(join(dir, 'loaded_scripts.log'), 'ignored');
  const errors: string[] = [];
  const reader = await ZeekReader.forFolder(dir, { inputError: (f, l, m) => errors.push(`${f}:${l}: ${m}`) });
  const seen: Flow[] = [];
  const stats = await reader.run((f) => seen.push(f), new AbortController().signal);
  assert.deepEqual(seen.map((f) => f.uid), ['C1', 'D2', 'C3', 'D4']);
  assert.equal(stats.records, 4);
  assert.deepEqual(errors, []);
});
