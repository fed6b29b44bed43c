// A signal from one detection to another, made explicit: the port-scan and ICMP-scan detectors
// mark a profile as a scanner in a time window, and UNKNOWN_PORT stays quiet for it there, as the
// original does. A mark made while a flow is analysed takes effect from the next flow on, so the
// result does not depend on the order of the detectors in the registry.
import { WindowMap } from '../util/window-map.js';

export class ScanMarks {
  private readonly marks = new WindowMap<true>();
  private staged: [string, number][] = [];

  /** Marks the profile as a scanner in window `tw` (visible from the next flow on). */
  mark(ip: string, tw: number): void { this.staged.push([ip, tw]); }

  isScanner(ip: string, tw: number): boolean { return this.marks.get(ip, tw) !== undefined; }

  /** Called by the pipeline after each flow: the marks made for it take effect. */
  commit(): void {
    if (this.staged.length === 0) return;
    for (const [ip, tw] of this.staged) this.marks.set(ip, tw, true);
    this.staged = [];
  }

  /** The window closed. */
  release(ip: string, tw: number): void { this.marks.take(ip, tw); }
}
