// Deterministic UUIDv4-shaped ids: the same input gives the same evidence and alert ids on every run.
import { createHash } from 'node:crypto';

export class IdGenerator {
  private counter = 0;
  constructor(private readonly seed: string) {}
  next(): string {
    const h = createHash('sha1').update(`${this.seed}\0${this.counter++}`).digest();
    h[6] = (h[6]! & 0x0f) | 0x40;
    h[8] = (h[8]! & 0x3f) | 0x80;
    const x = h.toString('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
  }
}
