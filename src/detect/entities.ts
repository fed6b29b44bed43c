// Small constructors shared by detectors.
import type { Entity } from '../evidence/types.js';

export const srcIp = (value: string): Entity => ({ direction: 'SRC', ioc_type: 'IP', value });
export const dstIp = (value: string): Entity => ({ direction: 'DST', ioc_type: 'IP', value });
export const dstDomain = (value: string): Entity => ({ direction: 'DST', ioc_type: 'DOMAIN', value });
