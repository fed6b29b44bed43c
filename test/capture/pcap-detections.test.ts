/**
 * Slips on a capture, end to end through the packet engine and its application analyzers:
 * test19 (nmap ssh-brute on 902/tcp) gives PASSWORD_GUESSING from ssh.log + software.log.
 * Run: node --import tsx --test test/capture/pcap-detections.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PCAP = path.resolve(ROOT, '../shared/datasets/slips/test19-malicious-ssh/malicious-ssh-bruteforce.pcap');

test('test19: SSH brute force from a pcap', { skip: !existsSync(PCAP) && 'dataset missing' }, () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'slips-t19-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '-f', PCAP, '-o', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const alerts = readFileSync(path.join(out, 'alerts', 'alerts.log'), 'utf8');
    assert.match(alerts, /SSH brute force detector from 147\.32\.80\.40 to 147\.32\.80\.37 on 902\/tcp\. Attempts observed: 9\. Client banner: libssh libssh2_1\.11\.0 from software\.log\./);
    const ssh = readFileSync(path.join(out, 'zeek_files', 'ssh.log'), 'utf8');
    assert.ok(ssh.includes('SSH-2.0-libssh2_1.11.0'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
