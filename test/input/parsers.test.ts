// Line parsers of the non-Zeek inputs: field mapping, time zones, counters, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SuricataParser } from '../../src/input/suricata.ts';
import { ArgusParser, argusField } from '../../src/input/argus.ts';
import { NfdumpCsvParser } from '../../src/input/nfdump.ts';
import { ZeekStreamParser, sniffStream } from '../../src/input/stdin.ts';
import { parseWallClock, zoneConverter, UTC } from '../../src/input/wallclock.ts';
import { ReorderBuffer } from '../../src/input/reorder.ts';
import { severityToThreatLevel, suricataAlertDescription } from '../../src/detect/suricata/alerts.ts';
import type { AlertFlow, ConnFlow, DnsFlow, FilesFlow, Flow, HttpFlow, SshFlow, SslFlow } from '../../src/flows/types.ts';

const flowOf = <T extends Flow>(v: Flow | string | null): T => {
  assert.ok(v !== null && typeof v !== 'string', `expected a flow, got ${JSON.stringify(v)}`);
  return v as T;
};

test('wall-clock text: UTC, fixed offsets, IANA zones with summer time, explicit offsets win', () => {
  assert.equal(parseWallClock('2019/04/04 16:23:00.325010', UTC), Date.UTC(2019, 3, 4, 16, 23, 0) / 1000 + 0.32501);
  assert.equal(parseWallClock('2019/04/04 16:23:00', zoneConverter('+01:00')), Date.UTC(2019, 3, 4, 15, 23, 0) / 1000);
  assert.equal(parseWallClock('2019/04/04 16:23:00', zoneConverter('-0500')), Date.UTC(2019, 3, 4, 21, 23, 0) / 1000);
  // Prague is UTC+2 in April (summer time) and UTC+1 in December.
  assert.equal(parseWallClock('2019/04/04 16:23:00', zoneConverter('Europe/Prague')), Date.UTC(2019, 3, 4, 14, 23, 0) / 1000);
  assert.equal(parseWallClock('2018/12/18 14:00:00', zoneConverter('Europe/Prague')), Date.UTC(2018, 11, 18, 13, 0, 0) / 1000);
  assert.equal(parseWallClock('2021-06-06T15:59:46.5+0200', zoneConverter('Europe/Prague')), Date.UTC(2021, 5, 6, 13, 59, 46) / 1000 + 0.5);
  assert.equal(parseWallClock('1554387780.5', UTC), 1554387780.5);
  assert.ok(Number.isNaN(parseWallClock('16:23:00', UTC)));
  assert.ok(Number.isNaN(parseWallClock('2019/13/04 16:23:00', UTC)));
  assert.throws(() => zoneConverter('Mars/Olympus'), /unknown time zone/);
});

test('Suricata flow event -> conn flow with start/end from the flow object', () => {
  const p = new SuricataParser();
  const f = flowOf<ConnFlow>(p.parse('{"timestamp":"2021-06-06T15:57:37.272281+0200","flow_id":445348883402532,"event_type":"flow","src_ip":"192.168.1.132","src_port":1900,"dest_ip":"192.168.1.129","dest_port":44232,"proto":"UDP","app_proto":"failed","flow":{"pkts_toserver":12,"pkts_toclient":3,"bytes_toserver":4056,"bytes_toclient":100,"start":"2021-06-06T16:38:55.855844+0200","end":"2021-06-06T16:38:56.963027+0200","state":"new"}}'));
  assert.equal(f.type_, 'conn');
  assert.equal(f.flow_source, 'suricata');
  assert.equal(f.uid, '445348883402532');
  assert.equal(f.proto, 'udp');
  assert.equal(f.starttime, Date.UTC(2021, 5, 6, 14, 38, 55) / 1000 + 0.855844);
  assert.ok(Math.abs(f.dur - 1.107183) < 1e-6);
  assert.equal(f.pkts, 15);
  assert.equal(f.bytes, 4156);
  assert.equal(f.state, 'new');
  assert.equal(f.sport, 1900);
  assert.equal(f.dport, 44232);
});

test('Suricata flow_id keeps all 64 bits; a record without one gets a uid of its own', () => {
  const p = new SuricataParser();
  const f = flowOf<ConnFlow>(p.parse('{"timestamp":"2021-06-06T15:57:37Z","flow_id":9223372036854775807,"event_type":"flow","src_ip":"1.1.1.1","dest_ip":"2.2.2.2","proto":"TCP","flow":{"start":"2021-06-06T15:57:37Z"}}'));
  assert.equal(f.uid, '9223372036854775807');
  const g = flowOf<ConnFlow>(p.parse('{"timestamp":"2021-06-06T15:57:37Z","event_type":"flow","src_ip":"1.1.1.1","dest_ip":"2.2.2.2","proto":"TCP","flow":{}}'));
  assert.equal(g.uid, 'suricata-1');
});

test('Suricata dns: the answer event is the transaction, query events are not flows', () => {
  const p = new SuricataParser();
  assert.equal(p.parse('{"timestamp":"2021-06-06T16:26:27.431769+0200","flow_id":1,"event_type":"dns","src_ip":"192.168.1.129","src_port":35790,"dest_ip":"192.168.1.1","dest_port":53,"proto":"UDP","dns":{"type":"query","id":2,"rrname":"www.google.com","rrtype":"A","tx_id":0}}'), null);
  const d = flowOf<DnsFlow>(p.parse('{"timestamp":"2021-06-06T16:15:30.868948+0200","flow_id":1419339999887459,"event_type":"dns","src_ip":"192.168.1.129","src_port":39422,"dest_ip":"192.168.1.1","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":2,"rrname":"www.myedimax.com","rrtype":"A","rcode":"NOERROR","grouped":{"A":["122.248.252.67"],"CNAME":["ddns.myedimax.com","ns.myedimax.com"]}}}'));
  assert.equal(d.query, 'www.myedimax.com');
  assert.equal(d.qtype_name, 'A');
  assert.equal(d.rcode_name, 'NOERROR');
  assert.deepEqual(d.answers, ['ddns.myedimax.com', 'ns.myedimax.com', '122.248.252.67']);
  const e = flowOf<DnsFlow>(p.parse('{"timestamp":"2021-06-06T16:15:30Z","flow_id":2,"event_type":"dns","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"UDP","dns":{"type":"answer","rrname":"x.org","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"x.org","rrtype":"A","ttl":91,"rdata":"1.2.3.4"}]}}'));
  assert.deepEqual(e.answers, ['1.2.3.4']);
  assert.deepEqual(e.TTLs, [91]);
});

test('Suricata http, tls, ssh and fileinfo events', () => {
  const p = new SuricataParser();
  const h = flowOf<HttpFlow>(p.parse('{"timestamp":"2021-06-06T15:57:37.272281+0200","flow_id":1300129227356448,"event_type":"http","src_ip":"182.237.17.202","src_port":59502,"dest_ip":"192.168.1.129","dest_port":80,"proto":"TCP","http":{"hostname":"147.32.82.197","url":"/","http_user_agent":"Mozilla/5.0","http_method":"GET","protocol":"HTTP/1.1","status":404,"length":47}}'));
  assert.deepEqual([h.type_, h.method, h.host, h.uri, h.user_agent, h.version, h.status_code, h.response_body_len], ['http', 'GET', '147.32.82.197', '/', 'Mozilla/5.0', 'HTTP/1.1', '404', 47]);
  const t = flowOf<SslFlow>(p.parse('{"timestamp":"2021-06-06T16:54:00.074627+0200","flow_id":262898731971351,"event_type":"tls","src_ip":"192.168.1.129","src_port":60316,"dest_ip":"122.248.252.67","dest_port":55443,"proto":"TCP","tls":{"subject":"CN=www.myedimax.com","issuerdn":"CN=AlphaSSL CA","fingerprint":"2d:d1","sni":"www.myedimax.com","version":"TLS 1.1","notbefore":"2020-03-19T09:44:08","notafter":"2022-03-20T09:44:08","ja3":{"hash":"b7202231ff2db28363c109cedc6d1642"},"ja3s":{"hash":"ad90cab724fafab2660fbf61673c91a9"}}}'));
  assert.deepEqual([t.type_, t.version, t.subject, t.issuer, t.server_name, t.ja3, t.ja3s, t.established], ['ssl', 'TLSv11', 'CN=www.myedimax.com', 'CN=AlphaSSL CA', 'www.myedimax.com', 'b7202231ff2db28363c109cedc6d1642', 'ad90cab724fafab2660fbf61673c91a9', true]);
  assert.equal(t.not_valid_after, Date.UTC(2022, 2, 20, 9, 44, 8) / 1000);
  const s = flowOf<SshFlow>(p.parse('{"timestamp":"2021-06-06T16:54:00Z","flow_id":5,"event_type":"ssh","src_ip":"10.0.0.1","src_port":5000,"dest_ip":"10.0.0.2","dest_port":22,"proto":"TCP","ssh":{"client":{"proto_version":"2.0","software_version":"OpenSSH_8.2"},"server":{"proto_version":"2.0","software_version":"OpenSSH_7.4"}}}'));
  assert.deepEqual([s.type_, s.client, s.server, s.version], ['ssh', 'OpenSSH_8.2', 'OpenSSH_7.4', '2.0']);
  const fi = flowOf<FilesFlow>(p.parse('{"timestamp":"2021-06-07T09:25:25.523057+0200","flow_id":482525783043092,"event_type":"fileinfo","src_ip":"192.168.1.129","src_port":554,"dest_ip":"162.142.125.53","dest_port":51230,"proto":"TCP","app_proto":"http","fileinfo":{"filename":"/","size":47,"md5":"abc","tx_id":0}}'));
  assert.deepEqual([fi.type_, fi.saddr, fi.daddr, fi.size, fi.md5, fi.source], ['files', '192.168.1.129', '162.142.125.53', 47, 'abc', 'HTTP']);
});

test('Suricata alert event -> AlertFlow; severity maps to threat level; other events are ignored', () => {
  const p = new SuricataParser();
  const a = flowOf<AlertFlow>(p.parse('{"timestamp":"2021-06-06T15:59:46.457984+0200","flow_id":1374195536821504,"event_type":"alert","src_ip":"78.36.196.213","src_port":51698,"dest_ip":"192.168.1.129","dest_port":445,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2403388,"rev":66418,"signature":"ET CINS Active Threat Intelligence Poor Reputation IP group 89","category":"Misc Attack","severity":2}}'));
  assert.deepEqual([a.type_, a.saddr, a.daddr, a.dport, a.signature_id, a.severity, a.category], ['alert', '78.36.196.213', '192.168.1.129', 445, 2403388, 2, 'Misc Attack']);
  assert.equal(suricataAlertDescription(a),
    'Suricata alert: ET CINS Active Threat Intelligence Poor Reputation IP group 89 (sid 1:2403388:66418, severity 2). Category: Misc Attack. from 78.36.196.213:51698 to 192.168.1.129:445/TCP');
  // A rule with `target` names the attacker explicitly (here the packet's destination).
  const b = flowOf<AlertFlow>(p.parse('{"timestamp":"2021-06-06T15:59:46Z","flow_id":1,"event_type":"alert","src_ip":"10.0.0.5","src_port":80,"dest_ip":"6.6.6.6","dest_port":4444,"proto":"TCP","alert":{"signature":"x","signature_id":1,"severity":1,"source":{"ip":"6.6.6.6","port":4444},"target":{"ip":"10.0.0.5","port":80}}}'));
  assert.deepEqual([b.saddr, b.daddr, b.sport, b.dport], ['6.6.6.6', '10.0.0.5', 4444, 80]);
  assert.deepEqual([1, 2, 3, 4].map(severityToThreatLevel), ['high', 'medium', 'low', 'info']);
  assert.equal(p.parse('{"timestamp":"2021-06-07T12:37:29.781936+0200","event_type":"anomaly","anomaly":{}}'), null);
  assert.equal(p.parse('{"timestamp":"2021-06-07T12:37:29Z","event_type":"stats"}'), null);
  assert.match(String(p.parse('{"timestamp":"x","event_type":"flow"}')), /invalid "timestamp"/);
  assert.match(String(p.parse('{"event_type":"flow",')), /invalid JSON/);
  assert.match(String(p.parse('[1,2]')), /not a JSON object/);
});

const ARGUS_HEADER = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label';

test('Argus comma file with label: columns by header, numbers summed, label kept as ground truth', () => {
  const p = new ArgusParser(UTC, 'header', false);
  assert.equal(p.parse(ARGUS_HEADER), null);
  const f = flowOf<ConnFlow>(p.parse('2019/04/04 16:24:47.672448,63.822830,tcp,10.8.0.69,56101,   ->,14.1.11.113,999,S_RA,0,0,31,8764,1887,15,flow=From-Botnet'));
  assert.equal(f.type_, 'argus');
  assert.equal(f.flow_source, 'argus');
  assert.equal(f.starttime, Date.UTC(2019, 3, 4, 16, 24, 47) / 1000 + 0.672448);
  assert.deepEqual([f.saddr, f.sport, f.daddr, f.dport, f.proto, f.state, f.dir_], ['10.8.0.69', 56101, '14.1.11.113', 999, 'tcp', 'S_RA', '   ->']);
  assert.deepEqual([f.pkts, f.bytes, f.sbytes, f.spkts, f.dbytes, f.dpkts], [31, 8764, 1887, 15, 6877, 16]);
  assert.equal(f.ground_truth_label, 'flow=From-Botnet');
  assert.ok(Math.abs(f.endtime - (f.starttime + 63.82283)) < 1e-6);
  assert.match(f.uid, /^C[0-9A-Za-z]{17}$/);
});

test('Argus tab file, hex ICMP ports, empty ports, and the same text in another zone', () => {
  const p = new ArgusParser(zoneConverter('Europe/Prague'), 'header', true);
  assert.equal(p.parse(ARGUS_HEADER.replaceAll(',', '\t')), null);
  const f = flowOf<ConnFlow>(p.parse('2018/05/10 10:52:47.283479\t3554.2\tarp\t10.0.2.15\t\t  who\t10.0.2.2\t\tCON\t\t\t22\t924\t462\t11\tflow=Background-ARP'));
  assert.equal(f.starttime, Date.UTC(2018, 4, 10, 8, 52, 47) / 1000 + 0.283479);
  assert.deepEqual([f.sport, f.dport, f.proto], [0, 0, 'arp']);
  const g = flowOf<ConnFlow>(p.parse('2018/05/10 10:52:48\t0\ticmp\t10.0.2.15\t0x0008\t  ->\t8.8.8.8\t0x0303\tECO\t\t\t1\t98\t98\t1\t'));
  assert.deepEqual([g.sport, g.dport], [8, 0x0303]);
});

test('Argus errors name the problem; header-less stdin lines use the fixed layout', () => {
  const p = new ArgusParser(UTC, 'header', false);
  assert.match(String(p.parse('2019/04/04 16:24:47,1,tcp,1.1.1.1,1,->,2.2.2.2,2,CON,0,0,1,1,1,1,')), /before the binetflow header/);
  p.parse(ARGUS_HEADER);
  assert.match(String(p.parse('yesterday,1,tcp,1.1.1.1,1,->,2.2.2.2,2,CON,0,0,1,1,1,1,')), /invalid StartTime/);
  assert.match(String(p.parse('2019/04/04 16:24:47,1,tcp,1.1.1.1,http,->,2.2.2.2,2,CON,0,0,1,1,1,1,')), /invalid Sport/);
  assert.match(String(p.parse('2019/04/04 16:24:47,1,tcp,1.1.1.1,1,->,2.2.2.2,2,CON,0,0,x,1,1,1,')), /invalid pkts/);
  assert.match(String(p.parse('2019/04/04 16:24:47,1,tcp')), /expected/);
  const s = new ArgusParser(UTC, 'fixed', null);
  const f = flowOf<ConnFlow>(s.parse('2019/04/04 16:24:47.5,2.5,udp,10.0.0.1,53000,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,'));
  assert.deepEqual([f.saddr, f.dport, f.pkts, f.bytes, f.sbytes, f.dur], ['10.0.0.1', 53, 2, 142, 63, 2.5]);
  assert.equal(argusField('LastTime'), 'endtime');
  assert.equal(argusField('sTos'), null);
});

test('nfdump CSV: classic header of 1.6/1.7, counters are numbers, the summary block ends the data', () => {
  const p = new NfdumpCsvParser();
  assert.equal(p.parse('ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc'), null);
  const f = flowOf<ConnFlow>(p.parse('2018-01-12 15:37:47,2018-01-12 15:37:49,2.000,147.32.80.119,147.32.82.62,53778,902,TCP,......S.,0,0,1,60,1,40,0,0,2852,2852,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00'));
  assert.equal(f.type_, 'nfdump');
  assert.equal(f.starttime, Date.UTC(2018, 0, 12, 15, 37, 47) / 1000);
  assert.deepEqual([f.saddr, f.daddr, f.sport, f.dport, f.proto, f.state, f.dur, f.endtime - f.starttime], ['147.32.80.119', '147.32.82.62', 53778, 902, 'tcp', '......S.', 2, 2]);
  // 1 + 1 packets and 60 + 40 bytes: sums, not the strings "11" and "6040".
  assert.deepEqual([f.spkts, f.dpkts, f.pkts, f.sbytes, f.dbytes, f.bytes], [1, 1, 2, 60, 40, 100]);
  assert.equal(f.smac, '');
  assert.equal(p.parse('Summary'), null);
  assert.equal(p.parse('flows,bytes,packets,avg_bps,avg_pps,avg_bpp'), null);
  assert.equal(p.parse('4593,241025,4652,58357,140,51'), null);
});

test('nfdump CSV: the newer header (epoch milliseconds, numeric protocol) and bad records', () => {
  const p = new NfdumpCsvParser();
  assert.equal(p.parse('cnt,af,firstSeen,lastSeen,proto,srcAddr,srcPort,dstAddr,dstPort,srcAS,dstAS,input,output,flags,srcTos,packets,bytes'), null);
  const f = flowOf<ConnFlow>(p.parse('1,2,1515771467000,1515771469500,17,10.0.0.1,5353,10.0.0.2,53,0,0,0,0,........,0,3,300'));
  assert.deepEqual([f.starttime, f.dur, f.proto, f.sport, f.dport, f.pkts, f.bytes], [1515771467, 2.5, 'udp', 5353, 53, 3, 300]);
  assert.match(String(p.parse('1,2,yesterday,1515771469500,17,10.0.0.1,5353,10.0.0.2,53,0,0,0,0,........,0,3,300')), /invalid start time/);
  assert.match(String(p.parse('1,2,1515771467000')), /expected at least/);
  assert.match(String(p.parse('1,2,1515771467000,1515771469500,17,10.0.0.1,5353,10.0.0.2,53,0,0,0,0,........,0,many,300')), /invalid packet or byte counter/);
});

test('Zeek on stdin: JSON conn records by default, TSV logs by their #path, _path in JSON', () => {
  const p = new ZeekStreamParser();
  const c = flowOf<ConnFlow>(p.parse('{"ts":30.04,"uid":"C1","id.orig_h":"10.0.2.15","id.orig_p":49158,"id.resp_h":"195.113.232.73","id.resp_p":80,"proto":"tcp","duration":1.5,"orig_bytes":97,"resp_bytes":179,"conn_state":"SF"}'));
  assert.deepEqual([c.type_, c.saddr, c.dport, c.bytes], ['conn', '10.0.2.15', 80, 276]);
  const d = flowOf<DnsFlow>(p.parse('{"_path":"dns","ts":31,"uid":"C2","id.orig_h":"10.0.2.15","id.orig_p":5000,"id.resp_h":"8.8.8.8","id.resp_p":53,"query":"a.org","answers":["1.2.3.4"]}'));
  assert.deepEqual([d.type_, d.query], ['dns', 'a.org']);
  for (const l of ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tdns', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery', '#types\ttime\tstring\taddr\tport\taddr\tport\tstring']) {
    assert.equal(p.parse(l), null);
  }
  const t = flowOf<DnsFlow>(p.parse('32.5\tC3\t10.0.2.15\t5001\t8.8.8.8\t53\tb.org'));
  assert.deepEqual([t.type_, t.query, t.starttime], ['dns', 'b.org', 32.5]);
  assert.match(String(p.parse('{"ts":"never"}')), /numeric "ts"/);
});

test('stdin format sniffing', () => {
  const b = (s: string): Buffer => Buffer.from(s);
  assert.equal(sniffStream(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0])), 'pcap');
  assert.equal(sniffStream(Buffer.from([0x0c, 0xa5, 1, 0])), 'nfdump-binary');
  assert.equal(sniffStream(b('{"timestamp":"x","flow_id":1,"event_type":"flow"}\n')), 'suricata');
  assert.equal(sniffStream(b('{"ts":1,"uid":"C"}\n')), 'zeek');
  assert.equal(sniffStream(b('#separator \\x09\n')), 'zeek');
  assert.equal(sniffStream(b(ARGUS_HEADER + '\n')), 'argus');
  assert.equal(sniffStream(b('ts,te,td,sa,da,sp,dp,pr\n')), 'nfdump');
  assert.equal(sniffStream(b('hello world\n')), null);
});

test('reorder buffer releases in start-time order, stable, bounded by capacity and horizon', () => {
  const out: number[] = [];
  const mk = (t: number, uid = String(t)): Flow => ({ starttime: t, uid } as unknown as Flow);
  const r = new ReorderBuffer((f) => out.push(f.starttime), 3);
  for (const t of [5, 3, 4, 1, 2, 9, 8, 7, 6]) r.push(mk(t));
  assert.ok(r.size <= 3);
  r.flush();
  assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // A record displaced by more than the capacity comes out late, but nothing is lost.
  out.length = 0;
  const q = new ReorderBuffer((f) => out.push(f.starttime), 3);
  for (const t of [5, 6, 7, 8, 1]) q.push(mk(t));
  q.flush();
  assert.deepEqual(out, [5, 1, 6, 7, 8]);
  const uids: string[] = [];
  const s = new ReorderBuffer((f) => uids.push(f.uid), 10);
  for (const u of ['a', 'b', 'c']) s.push(mk(1, u));
  s.flush();
  assert.deepEqual(uids, ['a', 'b', 'c']);
  const h: number[] = [];
  const live = new ReorderBuffer((f) => h.push(f.starttime), 100, 10);
  for (const t of [100, 95, 105, 120]) live.push(mk(t));
  assert.deepEqual(h, [95, 100, 105]);
});
