// The reporter scripts stop at the first command that fails outside a handled place (`set -e`):
// proven by behaviour, not by reading the script. A jq on the PATH that fails for one chosen call
// (the one building an entity a reporter is about to send) must end the script there, with that
// command's status: nothing after it runs, so Port never sees a request built from an empty body.
// Real bash, curl and jq against the Port emulator.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { deployReporterScript, imageReporterScript } from "../pipelines/reporters";
import { runBash } from "./support/bash";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

/** Exit status of the injected jq failure (jq's own for a runtime error). */
const JQ_FAILED = 5;

describe("reporter scripts stop at the first failing command (errexit, by behaviour)", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  let shimDir: string;

  before(async () => {
    port = await PortEmulator.start();
    shimDir = mkdtempSync(path.join(tmpdir(), "jq-shim-"));
    const realJq = execFileSync("bash", ["-c", "command -v jq"], { encoding: "utf8" }).trim();
    // Fails when one of its arguments (the jq program) contains JQ_FAIL_ON, else is the real jq.
    writeFileSync(
      path.join(shimDir, "jq"),
      `#!/usr/bin/env bash\nfor a in "$@"; do\n  if [ -n "\${JQ_FAIL_ON:-}" ] && [[ "$a" == *"$JQ_FAIL_ON"* ]]; then echo "jq: error: injected failure" >&2; exit ${JQ_FAILED}; fi\ndone\nexec ${JSON.stringify(realJq)} "$@"\n`,
    );
    chmodSync(path.join(shimDir, "jq"), 0o755);
  });
  after(async () => {
    await port.stop();
    rmSync(shimDir, { recursive: true, force: true });
  });
  beforeEach(() => port.reset());

  const env = (extra: Record<string, string>) => ({
    PATH: `${shimDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    PORT_API_URL: port.url,
    PORT_CLIENT_ID: TEST_CREDENTIALS.clientId,
    PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret,
    REPORTER_BACKOFF_SECONDS: "0.05",
    PORTAL_BUILD_STATUS: "success",
    ...extra,
  });

  const ci = {
    SERVICE_NAME: "billing-api",
    PRODUCT_ID: "billing",
    IMAGE_REPOSITORY: "registry.example.com/developer-portal",
    CF_BRANCH: "main",
    CF_BRANCH_TAG_NORMALIZED: "main",
    CF_SHORT_REVISION: "abc1234",
    CF_BUILD_URL: "https://g.codefresh.io/build/64ed0bc7c64d3336272d6c51",
  };

  const deploy = {
    PORT_RUN_ID: "r_AbCdEf0123456789",
    PORT_IMAGE: "billing-api:main-abc1234",
    PORT_IMAGE_REF: "registry.example.com/developer-portal/billing-api:main-abc1234",
    PORT_ENVIRONMENT: "billing-dev",
    PORT_PRODUCT: "billing",
    CF_BUILD_URL: "https://g.codefresh.io/build/64ed0bc7c64d3336272d6c52",
  };

  it("(the shim) passes every other jq call through: without a failure both reporters reach Port", async () => {
    const image = await runBash(imageReporterScript(), env(ci));
    assert.match(image.stderr, /image billing-api:main-abc1234: build result success/);
    const finish = await runBash(deployReporterScript(), env(deploy));
    assert.match(finish.stderr, /deploy of billing-api:main-abc1234 to billing-dev/);
    assert.ok(port.requestsTo("POST", "/v1/auth/access_token").length >= 2, "both logged in to Port");
  });

  it("the CI image reporter exits with jq's status when building the entity fails, and sends nothing", async () => {
    // Only the program that builds the image entity links to the branch's builds.
    const r = await runBash(imageReporterScript(), env({ ...ci, JQ_FAIL_ON: "builds2?filter" }));
    assert.equal(r.code, JQ_FAILED, r.stderr);
    assert.match(r.stderr, /jq: error: injected failure/);
    assert.doesNotMatch(r.stderr, /build result|login|upsert|report/, "nothing after the failing command ran");
    assert.equal(port.requests.length, 0);
  });

  it("the deploy finisher exits with jq's status when building the deployment entity fails, and sends nothing", async () => {
    // Only the program that builds the deployment entity starts so.
    const r = await runBash(deployReporterScript(), env({ ...deploy, JQ_FAIL_ON: "identifier: $id" }));
    assert.equal(r.code, JQ_FAILED, r.stderr);
    assert.match(r.stderr, /jq: error: injected failure/);
    assert.doesNotMatch(r.stderr, /deploy of|login|upsert|close run|report/, "nothing after the failing command ran");
    assert.equal(port.requests.length, 0);
  });

  it("the deploy finisher stops the same way when the environment patch cannot be built", async () => {
    // Only the environment patch names the image deployed; its failure must not let the script go
    // on to record the deployment and close the run with an empty patch.
    const r = await runBash(deployReporterScript(), env({ ...deploy, JQ_FAIL_ON: "image_deployed" }));
    assert.equal(r.code, JQ_FAILED, r.stderr);
    assert.match(r.stderr, /jq: error: injected failure/);
    assert.doesNotMatch(r.stderr, /deploy of|login|upsert|close run|report/, "nothing after the failing command ran");
    assert.equal(port.requests.length, 0);
  });
});
