export * from "./tf";
export * from "./kernels";
export * from "./detect";
export * from "./select";
export * from "./native";
