export * from "./types";
export * from "./ranking";
export * from "./io";
export * from "./measures";
export * from "./contrastive";
export * from "./significance";
