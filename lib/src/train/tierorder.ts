/**
 * Size order of tier names for grids, record files, tables and figures. The from-scratch tiers
 * keep their TIERS order (t0 … t8); any other tier (a pretrained one, e.g. "ettin-17m") comes
 * after them, ordered by its non-embedding parameter count N, then by name.
 */
import { TIERS } from "../model/tiers";

/** Index of a from-scratch tier in TIERS, or TIERS.length for any other tier name. */
export function tierRank(tier: string): number {
  const i = TIERS.findIndex((t) => t.name === tier);
  return i < 0 ? TIERS.length : i;
}

/**
 * Compare two tiers by size: TIERS order first; two tiers outside TIERS by `params` (N), then by
 * name (code-unit order). Negative when `a` is smaller.
 */
export function compareTiers(
  a: { tier: string; params: number },
  b: { tier: string; params: number },
): number {
  const ra = tierRank(a.tier),
    rb = tierRank(b.tier);
  if (ra !== rb) return ra - rb;
  if (ra < TIERS.length) return 0;
  if (a.params !== b.params) return a.params - b.params;
  return a.tier < b.tier ? -1 : a.tier > b.tier ? 1 : 0;
}

/** The distinct tiers of some records, smallest first ({@link compareTiers}; N from each tier's first record). */
export function tiersBySizeOrder(records: ReadonlyArray<{ tier: string; params: number }>): string[] {
  const params = new Map<string, number>();
  for (const r of records) if (!params.has(r.tier)) params.set(r.tier, r.params);
  return [...params]
    .map(([tier, p]) => ({ tier, params: p }))
    .sort(compareTiers)
    .map((t) => t.tier);
}
