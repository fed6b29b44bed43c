// conn.log `service` for the protocols whose analyzers only confirm a service (modbus, dce_rpc,
// smb, rdp, snmp, ntp), on pcaps this test writes and reads back as a user's capture would be.
// Each expected value follows the rule of Zeek's analyzer (see src/capture/analyzers/service-detect.ts
// for the source of each rule): the service appears only once the analyzer confirms, whether it
// was attached by port or by a DPD signature.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analysePcap } from '../../src/capture/engine.js';
import { createAnalyzerFactory } from '../../src/capture/analyzers/index.js';
import { pcapFile, tcpSession, udpExchange, type Frame } from './synth.js';

const T0 = 1_700_000_000;
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Writes the frames as a pcap file, reads it with every analyzer, returns conn.log's service per responder port. */
async function services(t: { after(fn: () => void): void }, frames: Frame[]): Promise<Map<number, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'slips-svc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'capture.pcap');
  writeFileSync(file, pcapFile(frames));
  const out = new Map<number, string>();
  await analysePcap(file, { preset: 'zeek' }, (log, rec) => {
    if (log === 'conn') out.set(rec['id.resp_p'] as number, (rec['service'] as string | undefined) ?? '-');
  }, undefined, createAnalyzerFactory());
  return out;
}

// Modbus/TCP read-holding-registers: MBAP (transaction 1, protocol 0, length, unit 1) + PDU.
const MODBUS_REQ = hex('0001 0000 0006 01 03 0000 0002');
const MODBUS_RESP = hex('0001 0000 0007 01 03 04 000a 000b');

test('modbus: a whole Modbus/TCP PDU on port 502 confirms; a non-zero protocol id is a violation; no DPD on other ports', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slips-svc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'modbus.pcap');
  // A reply echoing a DCE-RPC request's first bytes, as the honeypot of Zeek's modbus baseline does.
  const bogus = Buffer.from(MODBUS_RESP);
  bogus.writeUInt16BE(0x0b03, 2);
  writeFileSync(file, pcapFile([
    ...tcpSession('10.0.0.1', '10.0.0.2', 40001, 502, T0, [[true, MODBUS_REQ], [false, MODBUS_RESP]]),
    ...tcpSession('10.0.0.1', '10.0.0.3', 40002, 502, T0 + 1, [[true, hex('0001 0b03 0006 01 03 0000 0002')], [false, bogus]]),
    // Not port 502: Zeek has no DPD signature for Modbus, so nothing attaches the analyzer.
    ...tcpSession('10.0.0.1', '10.0.0.4', 40003, 1502, T0 + 2, [[true, MODBUS_REQ], [false, MODBUS_RESP]]),
  ]));
  const byHost = new Map<string, string>();
  await analysePcap(file, { preset: 'zeek' }, (log, rec) => {
    if (log === 'conn') byHost.set(rec['id.resp_h'] as string, (rec['service'] as string | undefined) ?? '-');
  }, undefined, createAnalyzerFactory());
  assert.equal(byHost.get('10.0.0.2'), 'modbus');
  assert.equal(byHost.get('10.0.0.3'), '-');
  assert.equal(byHost.get('10.0.0.4'), '-');
});

// DCE-RPC bind (type 11) and bind_ack (type 12), little-endian data representation, 24-byte PDUs.
const DCE_BIND = hex('05 00 0b 03 10000000 1800 0000 01000000 b810 b810 00000000');
const DCE_BIND_ACK = hex('05 00 0c 03 10000000 1800 0000 01000000 b810 b810 00000000');

test('dce_rpc: by port 135 and by its DPD signature on any port; a PDU cut short does not confirm', async (t) => {
  const s = await services(t, [
    ...tcpSession('10.0.0.1', '10.0.0.2', 40001, 135, T0, [[true, DCE_BIND], [false, DCE_BIND_ACK]]),
    ...tcpSession('10.0.0.1', '10.0.0.2', 40002, 49152, T0 + 1, [[true, DCE_BIND], [false, DCE_BIND_ACK]]),
    // frag_length says 0x1000 bytes, far more than the connection carries: no whole PDU.
    ...tcpSession('10.0.0.1', '10.0.0.2', 40003, 49153, T0 + 2, [[true, hex('05 00 0b 03 10000000 0010 0000 01000000')]]),
  ]);
  assert.equal(s.get(135), 'dce_rpc');
  assert.equal(s.get(49152), 'dce_rpc');
  assert.equal(s.get(49153), '-');
});

/** A NetBIOS session message holding an SMB2 header (the rest zero). */
const smb2 = (cmd: number): Buffer => Buffer.concat([hex('00 000040 fe534d42 4000'), Buffer.from([0, 0, 0, 0, cmd, 0]), Buffer.alloc(52)]);

test('smb: confirmed at the third chunk after one with an SMB header, by port 445 or by DPD', async (t) => {
  const three: Array<[boolean, Buffer]> = [[true, smb2(0)], [false, smb2(0)], [true, smb2(1)]];
  const s = await services(t, [
    ...tcpSession('10.0.0.1', '10.0.0.2', 40001, 445, T0, three),
    ...tcpSession('10.0.0.1', '10.0.0.2', 40002, 8445, T0 + 1, three),
    // Two chunks only: Zeek's SMB analyzer waits for the third before it believes it is SMB.
    ...tcpSession('10.0.0.1', '10.0.0.2', 40003, 139, T0 + 2, three.slice(0, 2)),
  ]);
  assert.equal(s.get(445), 'smb');
  assert.equal(s.get(8445), 'smb');
  assert.equal(s.get(139), '-');
});

// X.224 connection request with the mstshash cookie, the server's connection confirm (code 0xd0
// at offset 5), then MCS Connect-Initial (7f 65) carrying client core data (block type 0xc001).
/** A TPKT packet (version 3, length of the whole packet) around an X.224 TPDU. */
const tpkt = (tpdu: Buffer): Buffer => Buffer.concat([hex('0300'), Buffer.from([(tpdu.length + 4) >> 8, (tpdu.length + 4) & 0xff]), tpdu]);
const x224 = (code: number, rest: Buffer): Buffer => Buffer.concat([Buffer.from([rest.length + 1, code]), rest]);
const RDP_CR = tpkt(x224(0xe0, Buffer.concat([hex('0000 0000 00'), Buffer.from('Cookie: mstshash=user\r\n')])));
const RDP_CC = tpkt(x224(0xd0, hex('0000 1234 00 02 00 0800 00000000')));
const RDP_MCS_CI = tpkt(Buffer.concat([hex('02 f0 80'), hex('7f 65 82 00 10 04 01 01 04 01 01 01 01 ff 01 c0 d8 00 04 00 08')]));

test('rdp: client core data in MCS Connect-Initial confirms, by port 3389 or by the DPD signature pair', async (t) => {
  const full: Array<[boolean, Buffer]> = [[true, RDP_CR], [false, RDP_CC], [true, RDP_MCS_CI]];
  const s = await services(t, [
    ...tcpSession('10.0.0.1', '10.0.0.2', 40001, 3389, T0, full),
    ...tcpSession('10.0.0.1', '10.0.0.2', 40002, 3390, T0 + 1, full),
    // Negotiation only (then e.g. TLS): the analyzer never sees the MCS PDUs it confirms on.
    ...tcpSession('10.0.0.1', '10.0.0.2', 40003, 3391, T0 + 2, full.slice(0, 2)),
  ]);
  assert.equal(s.get(3389), 'rdp');
  assert.equal(s.get(3390), 'rdp');
  assert.equal(s.get(3391), '-');
});

// SNMPv2c get-request and get-response (community "public").
const SNMP_GET = hex('30 1a 02 01 01 04 06 7075626c6963 a0 0d 02 01 01 02 01 00 02 01 00 30 02 05 00');
const SNMP_RESP = hex('30 1a 02 01 01 04 06 7075626c6963 a2 0d 02 01 01 02 01 00 02 01 00 30 02 05 00');

test('snmp: confirmed by a response whose header parses (Zeek confirms on the responder\'s side only)', async (t) => {
  const s = await services(t, [
    ...udpExchange('10.0.0.1', '10.0.0.2', 40001, 161, T0, [[true, SNMP_GET], [false, SNMP_RESP]]),
    ...udpExchange('10.0.0.1', '10.0.0.3', 40002, 162, T0 + 1, [[true, SNMP_GET]]),
  ]);
  assert.equal(s.get(161), 'snmp');
  assert.equal(s.get(162), '-');
});

test('ntp: a client request with version 4, mode 3 confirms', async (t) => {
  const req = Buffer.alloc(48);
  req[0] = (4 << 3) | 3;
  const s = await services(t, udpExchange('10.0.0.1', '10.0.0.2', 40001, 123, T0, [[true, req]]));
  assert.equal(s.get(123), 'ntp');
});
