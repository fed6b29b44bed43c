import type { AppAnalyzer, AppContext } from './framework.js';

/** DHCP: not implemented yet (dhcp.log needs cross-connection aggregation by xid). */
export class DhcpAnalyzer implements AppAnalyzer {
  readonly name = 'dhcp';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
/** NTP: only the conn.log service (a well-formed NTP header confirms); no ntp.log yet. */
export class NtpAnalyzer implements AppAnalyzer {
  readonly name = 'ntp';
  private confirmed = false;
  private bad = 0;
  constructor(private readonly ctx: AppContext) {}
  packet(_isOrig: boolean, data: Buffer): void {
    if (this.confirmed) return;
    const version = data.length >= 48 ? (data[0]! >> 3) & 7 : 0;
    const mode = data.length >= 48 ? data[0]! & 7 : 0;
    if (version >= 1 && version <= 4 && mode !== 0) {
      this.confirmed = true;
      this.ctx.confirm(this);
    } else if (++this.bad > 2) this.ctx.violation(this, 'not NTP');
  }
  end(): void {}
}
