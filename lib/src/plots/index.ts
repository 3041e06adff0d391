export * from "./display";
export * from "./export";
export * from "./png";
export * from "./figures";
export * from "./laws";
export * from "./panels";
export * from "./data";
export * from "./genret";
