import type { AppAnalyzer, AppContext } from './framework.js';

export class SmtpAnalyzer implements AppAnalyzer {
  readonly name = 'smtp';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
export class FtpAnalyzer implements AppAnalyzer {
  readonly name = 'ftp';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
