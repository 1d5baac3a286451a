/**
 * A check's own share of the request budget: the newer checks stop attacking once they have sent
 * this many requests, so one API with many string inputs cannot spend the whole scan on one check.
 */
import type { ScanContext } from '../context.js';

export function allowance(ctx: ScanContext, requests: number): () => boolean {
  const end = ctx.client.sent + requests;
  return () => ctx.client.sent < end;
}
