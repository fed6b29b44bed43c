// Live capture: Debian's tcpdump writes the packets of an interface as a pcap stream on its stdout,
// which the packet engine decodes. Stopping (Ctrl-C, SIGTERM) ends tcpdump, then the stream.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface LiveCapture { stream: Readable; stop(): void; process: ChildProcess }

/** Starts tcpdump on `iface`; resolves once it listens, rejects with one line when it cannot capture. */
export function startLiveCapture(iface: string, filter: string, signal: AbortSignal, tcpdump = 'tcpdump'): Promise<LiveCapture> {
  const args = ['-U', '-n', '-s', '0', '-w', '-', '-i', iface];
  if (filter.trim()) args.push(...filter.trim().split(/\s+/));
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try { child = spawn(tcpdump, args, { stdio: ['ignore', 'pipe', 'pipe'] }); } catch (e) { reject(new Error(`cannot start ${tcpdump}: ${(e as Error).message}`)); return; }
    let stderr = '';
    let settled = false;
    const stop = (): void => { if (child.exitCode === null && !child.killed) child.kill('SIGTERM'); };
    const ok = (): void => {
      if (settled) return;
      settled = true;
      signal.addEventListener('abort', stop, { once: true });
      resolve({ stream: child.stdout!, stop, process: child });
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      reject(new Error(e.code === 'ENOENT' ? `${tcpdump} is not installed (apt-get install tcpdump)` : `cannot start ${tcpdump}: ${e.message}`));
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/listening on/i.test(stderr)) ok();
    });
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      const line = stderr.split('\n').map((l) => l.trim()).find((l) => l && !/^tcpdump: verbose output suppressed/.test(l))
        ?? `tcpdump exited with code ${code}`;
      const denied = /permission|not permitted/i.test(line);
      reject(new Error(denied ? `capture on ${iface} is not permitted (run as root or give tcpdump CAP_NET_RAW): ${line}` : `cannot capture on ${iface}: ${line}`));
    });
  });
}
