export * from "./bundle";
export * from "./failure-queue";
export * from "./lambda-agent";
export * from "./ledger";
export * from "./log-group";
export * from "./role";
export * from "./secret";
