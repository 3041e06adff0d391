export * from "./tiers";
export * from "./crossencoder";
export * from "./blocks";
