import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asnDatabaseFromCsv } from '../../src/enrich/asn.js';
import { ReferenceData } from '../../src/enrich/reference.js';

const reference = ReferenceData.load();
import { parseIPv4 } from '../../src/util/ip.js';

test('shipped ASN database answers IPv4 and IPv6', () => {
  assert.deepEqual(reference.asn('8.8.8.8'), { number: 'AS15169', org: 'Google LLC' });
  assert.deepEqual(reference.asn('1.1.1.1'), { number: 'AS13335', org: 'Cloudflare, Inc.' });
  assert.equal(reference.asnDb!.lookupV4(parseIPv4('1.1.1.1')!), reference.asn('1.1.1.1'));
  assert.equal(reference.asn('2001:4860:4860::8888')?.number, 'AS15169');
  assert.equal(reference.asn('10.0.0.1'), null);
  assert.equal(reference.asn('::1'), null);
  assert.equal(reference.asn('not an ip'), null);
  // Result objects are shared, not allocated per call.
  assert.equal(reference.asn('8.8.8.8'), reference.asn('8.8.8.9'));
});

test('ASN rows: quoted names with "" escapes, a nested range wins over its part of the outer one', () => {
  const db = asnDatabaseFromCsv([
    '16777216,16777471,13335,"Cloudflare, Inc."',
    '16777472,16777983,1,"LLC ""SPUTNIK"""',
    '16777600,16777727,2,Nested Ltd', // inside the previous range
    'garbage line',
    '',
  ].join('\n'), '42541956101370907050197289607612071936,42541956180599069564461627201156022271,15169,Google LLC\n');
  assert.deepEqual(db.lookup('1.0.0.7'), { number: 'AS13335', org: 'Cloudflare, Inc.' });
  assert.deepEqual(db.lookup('1.0.1.100'), { number: 'AS1', org: 'LLC "SPUTNIK"' });
  assert.deepEqual(db.lookup('1.0.1.200'), { number: 'AS2', org: 'Nested Ltd' });
  assert.deepEqual(db.lookup('1.0.2.1'), { number: 'AS1', org: 'LLC "SPUTNIK"' });
  assert.equal(db.lookup('1.0.4.0'), null);
  assert.equal(db.lookup('0.255.255.255'), null);
  assert.equal(db.lookup('2001:4860::1')?.number, 'AS15169');
  assert.equal(db.lookup('2001:4861::1'), null);
});
