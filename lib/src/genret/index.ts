export * from "./ngramindex";
export * from "./beam";
export * from "./cgl";
export * from "./pairs";
export * from "./docids";
export * from "./decoder";
export * from "./experiment";
export * from "./run";
