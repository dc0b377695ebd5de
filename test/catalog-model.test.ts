// The catalog model and the deploy-request contract: pure declarations, checked for the fixes
// over the original sample (required image input, same-product filters, one message shape,
// deterministic valid identifiers) and for agreement between the TypeScript and jq rules.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { deployActions } from "../actions/deploy";
import { DEPLOY_REQUEST_KEYS, deployRequestSchema, recoverRunId } from "../actions/deploy-request";
import { porcActions } from "../actions/porc";
import { CATALOG, environment, image } from "../blueprints";
import {
  DEPLOYMENT_IDENTIFIER_JQ, deploymentIdentifier, ENTITY_IDENTIFIER_PATTERN, IMAGE_IDENTIFIER_JQ, imageIdentifier, isEntityIdentifier, toIdentifier,
} from "../blueprints/identifiers";
import { BUILD_STATUSES, ENVIRONMENT } from "../blueprints/vocabulary";

/** Render a Port payload template the way Port does: each "{{ jq }}" evaluated against the trigger data. */
function renderPayload(template: Record<string, string>, data: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    const m = /^\{\{\s*(.+?)\s*\}\}$/.exec(value);
    out[key] = m ? JSON.parse(execFileSync("jq", ["-c", m[1]], { input: JSON.stringify(data) }).toString()) : value;
  }
  return out;
}

const trigger = (entity: object, inputs: object) => ({
  inputs,
  trigger: { by: { orgId: "org_1", userId: "u1", user: { email: "dev@example.test" } }, origin: "UI", at: "2026-11-21T10:00:00Z", operation: "DAY-2" },
  entity,
  action: { identifier: "x", blueprint: "y", encryptedProperties: [] },
  run: { id: "r_AbCdEf0123456789" },
});

describe("catalog model", () => {
  it("keeps the sample's identifiers so an existing portal is adopted", () => {
    const props = (bp: typeof image) => Object.keys(bp.body.schema.properties);
    for (const key of ["image_branch", "codefresh_build", "codefresh_build_result", "created_at", "builds_for_git_repo_and_branch", "image_ref", "commit_sha"]) assert.ok(props(image).includes(key), key);
    for (const key of ["kind", "cf_deployment_build", "cf_deployment_build_status", "last_deployment_timestamp"]) assert.ok(props(environment).includes(key), key);
    assert.deepEqual(Object.keys(environment.body.relations).sort(), ["image_deployed", "product"]);
    assert.equal(environment.body.relations.product.required, true);
    assert.deepEqual(environment.body.schema.required, ["kind"]);
    assert.deepEqual(CATALOG.map((b) => b.identifier), ["product", "image", "environment", "deployment", "blueprint_template", "blueprint_instance"]);
  });

  it("declares relation targets before the blueprints that point at them, and every blueprint with an owner", () => {
    const seen = new Set<string>();
    for (const bp of CATALOG) {
      for (const dep of bp.dependsOn) assert.ok(seen.has(dep), `${bp.identifier} after ${dep}`);
      seen.add(bp.identifier);
      assert.ok(bp.body.ownership, `${bp.identifier} has ownership`);
    }
  });

  it("uses the build statuses Codefresh reports, not the sample's 'failure'", () => {
    const status = environment.body.schema.properties[ENVIRONMENT.deploymentBuildStatus];
    assert.deepEqual(status.enum, [...BUILD_STATUSES]);
    assert.ok(!BUILD_STATUSES.includes("failure" as never));
  });
});

describe("deploy actions and the deploy-request contract", () => {
  const [fromEnv, fromEnvApproval, fromImage] = deployActions({ pipelines: ["developer-portal/deploy", "developer-portal/canary"], requireApprovalForProduction: true });

  it("makes the image input required and limited to the environment's product", () => {
    const inputs = fromEnv.body.trigger.userInputs;
    assert.deepEqual([...inputs.required].sort(), ["cf_pipeline", "image"]);
    const dataset = inputs.properties.image.dataset as { rules: Record<string, unknown>[] };
    assert.deepEqual(dataset.rules[0], { operator: "relatedTo", blueprint: "product", value: { jqQuery: ".entity.relations.product" } });
    assert.deepEqual(inputs.properties.cf_pipeline.enum, ["developer-portal/deploy", "developer-portal/canary"]);
  });

  it("knows every blueprint an action refers to, so the action is created after them", () => {
    assert.deepEqual(fromImage.references, ["environment", "image", "product"]);
    assert.deepEqual(fromEnv.references, ["environment", "image", "product"]);
  });

  it("puts Production deploys behind an approval on exactly one action, and keeps them off the image side", () => {
    assert.equal(fromEnv.body.requiredApproval, false);
    assert.deepEqual(fromEnv.body.trigger.condition?.rules, [{ property: "kind", operator: "!=", value: "Production" }]);
    assert.deepEqual(fromEnvApproval.body.requiredApproval, { type: "ANY" });
    assert.deepEqual(fromEnvApproval.body.trigger.condition?.rules, [{ property: "kind", operator: "=", value: "Production" }]);
    const target = fromImage.body.trigger.userInputs.properties.environment_target.dataset as { rules: Record<string, unknown>[] };
    assert.deepEqual(target.rules[1], { property: "kind", operator: "!=", value: "Production" });
    const withoutApproval = deployActions({ pipelines: ["p/deploy"], requireApprovalForProduction: false });
    assert.deepEqual(withoutApproval.map((a) => a.identifier), ["deploy_image", "deploy_this_image_to_an_env"]);
  });

  it("renders ONE flat message shape from either side, which the agent's schema accepts", () => {
    const env = { identifier: "billing-prod", blueprint: "environment", relations: { product: "billing" } };
    const img = { identifier: "billing-api:1.4.2", blueprint: "image", relations: { product: "billing" } };
    const payloads = [
      renderPayload(fromEnv.body.invocationMethod.type === "KAFKA" ? (fromEnv.body.invocationMethod.payload as Record<string, string>) : {}, trigger(env, { image: img, cf_pipeline: "developer-portal/deploy" })),
      renderPayload(fromImage.body.invocationMethod.type === "KAFKA" ? (fromImage.body.invocationMethod.payload as Record<string, string>) : {}, trigger(img, { environment_target: env, cf_pipeline: "developer-portal/deploy" })),
      // Runs created through the API pass entity inputs as identifiers, not objects.
      renderPayload(fromEnv.body.invocationMethod.type === "KAFKA" ? (fromEnv.body.invocationMethod.payload as Record<string, string>) : {}, trigger(env, { image: img.identifier, cf_pipeline: "developer-portal/deploy" })),
    ];
    for (const p of payloads) {
      assert.deepEqual(Object.keys(p).sort(), [...DEPLOY_REQUEST_KEYS].sort());
      const parsed = deployRequestSchema().parse(p);
      assert.equal(parsed.image, "billing-api:1.4.2");
      assert.equal(parsed.environment, "billing-prod");
      assert.equal(parsed.runId, "r_AbCdEf0123456789");
    }
  });

  it("tolerates unknown keys, rejects malformed requests, and still finds the run id to report to", () => {
    const ok = deployRequestSchema().parse({ runId: "r_1", action: "deploy_image", image: "a", environment: "b", pipeline: "p/d", requestedBy: null, teamField: "x" });
    assert.equal(ok.requestedBy, undefined);
    assert.equal((ok as Record<string, unknown>).teamField, undefined);
    const bad = deployRequestSchema().safeParse({ runId: "r_1", action: "deploy_image", image: "..", environment: "b", pipeline: "" });
    assert.equal(bad.success, false);
    assert.equal(recoverRunId({ runId: "r_1", image: 3 }), "r_1");
    assert.equal(recoverRunId({ context: { runId: "r_legacy" } }), "r_legacy");
    assert.equal(recoverRunId({ runId: "not a run id!" }), undefined);
    assert.equal(recoverRunId("garbage"), undefined);
  });

  it("sends PORC webhooks to the instance's run, with Apply behind approval", () => {
    const [plan, apply] = porcActions({ url: "https://porc.example.test/" });
    assert.equal(plan.body.invocationMethod.type, "WEBHOOK");
    assert.equal((plan.body.invocationMethod as { url: string }).url, "https://porc.example.test/runs/{{ .entity.properties.run_id }}/plan");
    assert.equal((apply.body.invocationMethod as { url: string }).url, "https://porc.example.test/runs/{{ .entity.properties.run_id }}/apply");
    assert.deepEqual(apply.body.requiredApproval, { type: "ANY" });
    assert.equal(plan.body.requiredApproval, false);
  });
});

describe("identifier rules", () => {
  const jq = (program: string, input: unknown) => JSON.parse(execFileSync("jq", ["-c", program], { input: JSON.stringify(input) }).toString()) as string;
  const samples: [string, string][] = [
    ["billing-api", "1.4.2"],
    [" Billing API ", "feature/JIRA-12_x"],
    ["svc", "sha-0123abc"],
    ["Ünïcode Sérvice", "v2+build.7"],
    ["", ".."],
  ];

  it("derives the same image identifier in TypeScript and in the pipelines' jq", () => {
    for (const [service, tag] of samples) {
      const ts = imageIdentifier(service, tag);
      assert.equal(jq(IMAGE_IDENTIFIER_JQ, { service, tag }), ts, `${service} ${tag}`);
      assert.ok(isEntityIdentifier(ts), `${ts} is a valid Port identifier`);
    }
  });

  it("derives deployment identifiers from run ids verbatim, in both languages", () => {
    assert.equal(deploymentIdentifier("r_AbC123"), "deploy-r_AbC123");
    assert.equal(jq(DEPLOYMENT_IDENTIFIER_JQ, "r_AbC123"), "deploy-r_AbC123");
    assert.throws(() => deploymentIdentifier("r 1"), /not a Port run id/);
  });

  it("turns free text into valid identifiers and never into '.' or '..'", () => {
    for (const text of ["..", ".", "   ", "Prod / EU #1", "x".repeat(500)]) {
      const id = toIdentifier(text);
      assert.match(id, ENTITY_IDENTIFIER_PATTERN);
      assert.ok(id.length <= 200);
    }
  });
});
