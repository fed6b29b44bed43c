import type { AppAnalyzer, AppContext } from './framework.js';

/** placeholder until the parser lands */
export class SshAnalyzer implements AppAnalyzer {
  readonly name = 'ssh';
  constructor(private readonly ctx: AppContext) {}
  end(): void {
    void this.ctx;
  }
}
