/**
 * Scaling laws: forms as data, bounded multi-start fitting, statistics, the reranker paper's
 * forecasting protocols and compute allocation.
 */
export * from "./forms";
export * from "./fit";
export * from "./lsq";
// special functions: only the distribution helpers are public (eval/ has its own log-gamma)
export { fSurvival, incompleteBeta, studentTCdf, studentTQuantile, studentTTwoSidedP } from "../util/special";
export * from "./stats";
export * from "./protocols";
export * from "./allocation";
export * from "./paperfindings";
export * from "./scorecard";
export { leastSquares, symmetricPinv } from "./linalg";
export * from "./lawfits";
