/**
 * scalerank: the library behind the reranker scaling-law notebooks.
 *
 * Folders mirror the pipeline: data → model → train → eval → laws → plots. Notebooks import
 * everything from this entry point: `import { ... } from "scalerank"`.
 */
export const VERSION = "0.1.0";
export * from "./util/rng";
export * from "./util/fsutil";
export * from "./util/profile";
export * from "./util/paths";
export * from "./eval";
export * from "./data";
export * from "./records";
export * from "./laws";
export * from "./plots";
export * from "./backend";
export * from "./model";
export * from "./pretrained";
export * from "./train";
export * from "./genret";
export * from "./report";
