export * from "./consumer";
