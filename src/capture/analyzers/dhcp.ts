import type { AppAnalyzer, AppContext } from './framework.js';

export class DhcpAnalyzer implements AppAnalyzer {
  readonly name = 'dhcp';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
export class NtpAnalyzer implements AppAnalyzer {
  readonly name = 'ntp';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
