// Loaded by mocha before every test file (see .mocharc.json).
// A dynamic provider that fails to serialize surfaces as an unhandled rejection under Pulumi
// mocks and leaves outputs unresolved forever; fail loudly instead of hanging the suite.
process.on("unhandledRejection", (reason) => {
  // eslint-disable-next-line no-console
  console.error("unhandledRejection:", reason);
  throw reason;
});
