import type { AppAnalyzer, AppContext } from './framework.js';

/** placeholder until the parser lands */
export class HttpAnalyzer implements AppAnalyzer {
  readonly name = 'http';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
