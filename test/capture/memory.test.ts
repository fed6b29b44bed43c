/**
 * The tracker must expire state on packet time: a long capture of short connections may not
 * make the live-connection count (or the timer heap) grow with the capture.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketEngine } from '../../src/capture/engine.js';
import { shortTcpConnection } from './synth.js';

test('200k short TCP connections keep the live-connection count bounded', () => {
  // One template connection, re-addressed in place per connection (checksums are not
  // validated here, so patching addresses and ports is enough).
  const template = shortTcpConnection(0, 0);
  for (const preset of ['zeek', 'slips'] as const) {
    let logged = 0;
    const engine = new PacketEngine({ preset, ignoreChecksums: true }, (log) => {
      if (log === 'conn') logged++;
    });
    const total = 200_000;
    let maxLive = 0;
    let maxTimers = 0;
    for (let i = 0; i < total; i++) {
      const t0 = 1_600_000_000 + i / 1000; // 1000 new connections per second of packet time
      for (const [k, f] of template.entries()) {
        const fromClient = k === 0 || k === 2 || k === 3 || k === 5;
        const d = f.data;
        // client address 10.x.y.z at IP src (26) or dst (30); client port at TCP sport/dport
        const ipOff = fromClient ? 26 : 30;
        d[ipOff + 1] = (i >> 16) & 0xff;
        d[ipOff + 2] = (i >> 8) & 0xff;
        d[ipOff + 3] = i & 0xff;
        d.writeUInt16BE(1024 + (i % 60000), fromClient ? 34 : 36);
        engine.feedPacket(1, t0 + f.ts, d);
      }
      if (i % 1000 === 0) {
        maxLive = Math.max(maxLive, engine.liveConnections);
        maxTimers = Math.max(maxTimers, engine.tracker.pendingTimers);
      }
    }
    engine.flush();
    assert.equal(logged, total);
    // Closed connections linger for tcp_close_delay (5 s) => about 5000 live at this rate.
    assert.ok(maxLive < 10_000, `${preset}: max live connections ${maxLive}`);
    assert.ok(maxTimers < 50_000, `${preset}: max pending timers ${maxTimers}`);
    console.log(`${preset}: max live connections ${maxLive}, max pending timers ${maxTimers}`);
  }
});
