// Preloaded into StrykerJS (NODE_OPTIONS=--require) by `npm run test:mutation`.
// Mocha 12 ships its CLI helpers as lib/cli/*.cjs, while @stryker-mutator/mocha-runner 10.0.0
// still requires them without an extension (stryker-js PR #6205, not yet released), which
// Node resolves only for the extensions it knows. Teach it `.cjs` (loaded like `.js`); remove
// this file once a released mocha-runner loads Mocha 12 by itself.
const Module = require("node:module");
if (!Module._extensions[".cjs"]) Module._extensions[".cjs"] = Module._extensions[".js"];
