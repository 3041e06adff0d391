export * from "./tiers";
export * from "./crossencoder";
