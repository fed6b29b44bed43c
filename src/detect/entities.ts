// Small constructors shared by detectors.
import type { Entity } from '../evidence/types.js';

export const srcIp = (value: string): Entity => ({ direction: 'SRC', ioc_type: 'IP', value });
export const dstIp = (value: string): Entity => ({ direction: 'DST', ioc_type: 'IP', value });
export const dstDomain = (value: string): Entity => ({ direction: 'DST', ioc_type: 'DOMAIN', value });

/** Python's round(x, 2) for the confidences the original computes. */
export const round2 = (x: number): number => Math.round(x * 100) / 100;
