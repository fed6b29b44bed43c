import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lookupAsn, buildAsnTable, serializeAsnTable, deserializeAsnTable, AsnDatabase } from '../../src/enrich/asn.js';

test('shipped ASN database answers IPv4 and IPv6', () => {
  assert.deepEqual(lookupAsn('8.8.8.8'), { number: 'AS15169', org: 'Google LLC' });
  assert.deepEqual(lookupAsn('1.1.1.1'), { number: 'AS13335', org: 'Cloudflare, Inc.' });
  assert.equal(lookupAsn('2001:4860:4860::8888')?.number, 'AS15169');
  assert.equal(lookupAsn('10.0.0.1'), null);
  assert.equal(lookupAsn('::1'), null);
  assert.equal(lookupAsn('not an ip'), null);
  // Result objects are shared, not allocated per call.
  assert.equal(lookupAsn('8.8.8.8'), lookupAsn('8.8.8.9'));
});

test('table build: quoted names, overlapping ranges clipped, binary round trip', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'asn-'));
  writeFileSync(path.join(dir, 'asn-ipv4-num.csv'), [
    '16777216,16777471,13335,"Cloudflare, Inc."',
    '16777472,16777727,1,"LLC ""SPUTNIK"""',
    '16777600,16777983,2,Overlap Ltd', // overlaps the previous range: keeps 16777728..16777983
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'asn-ipv6-num.csv'), '42541956101370907050197289607612071936,42541956180599069564461627201156022271,15169,Google LLC\n');
  const t = buildAsnTable(dir, 'x');
  assert.equal(t.v4Asn.length, 3);
  const db = new AsnDatabase(deserializeAsnTable(serializeAsnTable(t))!);
  assert.deepEqual(db.lookup('1.0.0.7'), { number: 'AS13335', org: 'Cloudflare, Inc.' });
  assert.deepEqual(db.lookup('1.0.1.200'), { number: 'AS1', org: 'LLC "SPUTNIK"' });
  assert.deepEqual(db.lookup('1.0.2.1'), { number: 'AS2', org: 'Overlap Ltd' });
  assert.equal(db.lookup('1.0.4.0'), null);
  assert.equal(db.lookup('0.255.255.255'), null);
  assert.equal(db.lookup('2001:4860::1')?.number, 'AS15169');
  assert.equal(db.lookup('2001:4861::1'), null);
});
