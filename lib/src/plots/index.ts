export * from "./display";
