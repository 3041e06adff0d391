export * from "./summary";
export * from "./report";
