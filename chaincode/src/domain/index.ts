export * from "./errors";
export * from "./gs1";
export * from "./input";
export * from "./json";
export * from "./mkt";
export * from "./records";
export * from "./roles";
export * from "./vocabulary";
