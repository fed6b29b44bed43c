// Hand-made flows and a detection context that records evidence, for detector unit tests.
import type { ConnFlow } from '../../src/flows/types.ts';
import type { DetectionContext } from '../../src/detect/detector.ts';
import type { EvidenceInput } from '../../src/evidence/types.ts';
import { deriveSettings, defaultRawConfig, type RawConfig } from '../../src/config/config.ts';
import { NetworkKnowledge } from '../../src/profiler/network.ts';
import { PortRegistry } from '../../src/enrich/ports.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { DnsResolutions } from '../../src/profiler/dns-cache.ts';
import { TrafficFacts } from '../../src/enrich/traffic-facts.ts';
import { TimeWindowGrid } from '../../src/profiler/timewindows.ts';

export function conn(over: Partial<ConnFlow> = {}): ConnFlow {
  const f: ConnFlow = {
    type_: 'conn', starttime: 1000, uid: 'C1', saddr: '192.168.1.5', daddr: '8.8.8.8', interface: 'default',
    flow_source: 'zeek', ground_truth_label: '', detailed_ground_truth_label: '', sport: 50000, dport: 443, proto: 'tcp',
    appproto: '', dur: 1, sbytes: 100, dbytes: 100, spkts: 2, dpkts: 2, state: 'SF', history: 'ShADadFf', smac: '', dmac: '',
    endtime: 0, pkts: 0, bytes: 0, state_hist: 'ShADadFf', dir_: '->', ...over,
  };
  f.endtime = f.starttime + f.dur; f.pkts = f.spkts + f.dpkts; f.bytes = f.sbytes + f.dbytes;
  return f;
}

export interface RecordingContext extends DetectionContext { evidence: EvidenceInput[] }

export function detectionContext(edit: (raw: RawConfig) => void = () => {}): RecordingContext {
  const raw = defaultRawConfig();
  edit(raw);
  const settings = deriveSettings(raw);
  const grid = new TimeWindowGrid(settings.width, settings.onlyOneTw);
  const scanners = new Set<string>();
  const evidence: EvidenceInput[] = [];
  return {
    settings, network: new NetworkKnowledge(settings.clientIps, { announce: () => {} }), ports: new PortRegistry(),
    store: new MemoryStore(), dns: new DnsResolutions(), facts: new TrafficFacts(), evidence,
    emit: (ev) => { evidence.push(ev); return `id${evidence.length}`; },
    timewindowOf: (ts) => grid.numberFor(ts),
    markScanner: (ip, tw) => { scanners.add(`${ip}|${tw}`); },
    isScanner: (ip, tw) => scanners.has(`${ip}|${tw}`),
  };
}

export const fc = (ip: string, state = 'Established', tw = 1) => ({ ip, tw, twStart: 0, interpretedState: state });
