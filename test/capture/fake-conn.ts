/** A connection handle for driving application analyzers directly in tests. */
import type { ConnectionHandle } from '../../src/capture/analyzer.js';

export type EmittedRecords = Array<[string, Record<string, unknown>]>;

export interface FakeConn extends ConnectionHandle {
  services: string[];
  /** Records the analyzers emitted, in order. */
  out: EmittedRecords;
  /** Packet time returned by now(); tests move it forward. */
  t: number;
}

export interface FakeConnOptions {
  uid?: string;
  proto: 'tcp' | 'udp';
  origH?: string;
  origP?: number;
  respH?: string;
  respP: number;
  t?: number;
  /** Where emitted records go (shared by several connections), else a list of its own. */
  out?: EmittedRecords;
}

export function fakeConnection(o: FakeConnOptions): FakeConn {
  const t = o.t ?? 1000;
  const c: FakeConn = {
    uid: o.uid ?? 'Ctest',
    proto: o.proto,
    origH: o.origH ?? '10.0.0.1',
    origP: o.origP ?? 40000,
    respH: o.respH ?? '192.0.2.1',
    respP: o.respP,
    startTime: t,
    services: [],
    out: o.out ?? [],
    t,
    confirmService(n) {
      if (!c.services.includes(n)) c.services.push(n);
    },
    removeService(n) {
      c.services = c.services.filter((x) => x !== n);
    },
    isPartial: () => false,
    flipRoles() {},
    now: () => c.t,
    emit(log, rec) {
      c.out.push([log, rec]);
    },
  };
  return c;
}
