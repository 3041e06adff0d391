export * from "./types";
export * from "./jsonl";
export * from "./authors";
export * from "./synthetic";
export * from "./source";
export * from "./frame";
export * from "./published";
