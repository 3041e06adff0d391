export * from "./summary";
export * from "./report";
export * from "./lawstudy";
export * from "./fitlaws";
export * from "./forecast";
export * from "./allocation";
export * from "./data";
