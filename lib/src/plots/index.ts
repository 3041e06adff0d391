export * from "./display";
export * from "./export";
