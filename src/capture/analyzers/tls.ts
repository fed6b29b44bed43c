import type { AppAnalyzer, AppContext } from './framework.js';

/** placeholder until the parser lands */
export class TlsAnalyzer implements AppAnalyzer {
  readonly name = 'ssl';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
