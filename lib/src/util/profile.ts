/**
 * Run profiles: one switch that scales every notebook and CLI from a seconds-long smoke test to
 * the paper-scale run. Chosen by the `SCALERANK_PROFILE` environment variable
 * (`smoke` | `mini` | `paper`), default `mini`.
 */

/** The three run profiles. */
export type ProfileName = "smoke" | "mini" | "paper";

/** All profile names, smallest first. */
export const PROFILES: readonly ProfileName[] = ["smoke", "mini", "paper"];

/**
 * The active profile: `override` if given, else `process.env.SCALERANK_PROFILE`, else `mini`.
 * Throws a clear error for an unknown name.
 */
export function activeProfile(override?: string): ProfileName {
  const raw = (override ?? process.env.SCALERANK_PROFILE ?? "mini").trim();
  if ((PROFILES as readonly string[]).includes(raw)) return raw as ProfileName;
  throw new Error(`unknown profile "${raw}" (SCALERANK_PROFILE must be one of ${PROFILES.join(", ")})`);
}
