import type { Page, PageQuery } from '../contracts/common.dto.ts';

export const toIso = (d: Date | string | null): string | null =>
  d === null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString();

export const toIsoRequired = (d: Date | string): string => toIso(d)!;

export function pageOf<T>(items: T[], total: number, query: PageQuery): Page<T> {
  return { items, total, limit: query.limit, offset: query.offset };
}
