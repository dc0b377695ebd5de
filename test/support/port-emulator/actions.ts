// /v1/actions (the v2 actions API). Bodies are closed (`additionalProperties: false`) at the top
// level, in the trigger, the user inputs and every invocation method, exactly as apispec.json
// declares, so a PUT that echoes server fields (id, createdAt...) is refused with 422.
import { z } from "zod";
import { PortError, blueprintNotFound, invalid, notFound, ok } from "./envelope";
import { PortRouter } from "./router";
import { Action, JsonObject, PortState, clone, portId } from "./state";
import { ACTION_ID, jsonObject, key, objectOrArray, parseBody } from "./validation";

const jqQuery = z.strictObject({ jqQuery: z.string() });
const boolOrJq = z.union([z.boolean(), jqQuery]);
const boolOrString = z.union([z.boolean(), z.string()]);

const INPUT_FORMATS = [
  "date-time", "url", "email", "ipv4", "ipv6", "yaml", "entity", "user", "team", "proto", "markdown", "multi-line", "labeled-url",
] as const;

// Input objects are open (title, default, enum, encryption... are all used), but the keys the
// spec names are typed.
const userInput = z.looseObject({
  type: z.enum(["string", "number", "boolean", "object", "array"]),
  format: z.enum(INPUT_FORMATS).optional(),
  blueprint: z.string().optional(),
  dependsOn: z.array(z.string()).optional(),
  visible: boolOrJq.optional(),
  icon: z.string().optional(),
  dataset: z.looseObject({ combinator: z.enum(["and", "or"]), rules: z.array(z.unknown()) }).optional(),
  sort: z.looseObject({ property: z.string(), order: z.enum(["ASC", "DESC"]) }).optional(),
});

// The spec's three closed variants (default order / custom order / steps) as one closed object.
const userInputs = z
  .strictObject({
    properties: z.record(key, userInput),
    required: z.union([jqQuery, z.array(z.string())]).optional(),
    titles: z
      .record(key, z.looseObject({ title: z.string().min(1).max(140), description: z.string().max(1000).optional(), visible: boolOrJq.optional() }))
      .optional(),
    order: z.array(z.string()).optional(),
    steps: z.array(z.strictObject({ title: z.string(), order: z.array(z.string()).optional(), visible: boolOrJq.optional() })).optional(),
  })
  .refine((u) => !(u.order && u.steps), { message: "userInputs takes either order or steps, not both", path: ["steps"] });

const buttonText = z.string().min(1).max(15).regex(/^[^\s].*[^\s]$/);

const selfService = z
  .strictObject({
    type: z.literal("self-service"),
    operation: z.enum(["CREATE", "DAY-2", "DELETE"]),
    blueprintIdentifier: z.string().optional(),
    userInputs,
    actionCardButtonText: buttonText.optional(),
    executeActionButtonText: buttonText.optional(),
    condition: z.strictObject({ type: z.literal("SEARCH"), combinator: z.enum(["and", "or"]), rules: z.array(z.unknown()) }).optional(),
  })
  .refine((t) => !(t.operation === "CREATE" && t.condition), { message: "a CREATE action takes no condition", path: ["condition"] });

const entityEvent = (type: string) => z.strictObject({ type: z.literal(type), blueprintIdentifier: z.string() });
const runEvent = (type: string) => z.strictObject({ type: z.literal(type), actionIdentifier: z.string() });

const automation = z.strictObject({
  type: z.literal("automation"),
  event: z.discriminatedUnion("type", [
    entityEvent("ENTITY_CREATED"),
    entityEvent("ENTITY_UPDATED"),
    entityEvent("ENTITY_DELETED"),
    entityEvent("ANY_ENTITY_CHANGE"),
    z.strictObject({ type: z.literal("TIMER_PROPERTY_EXPIRED"), blueprintIdentifier: z.string(), propertyIdentifier: z.string() }),
    runEvent("RUN_CREATED"),
    runEvent("RUN_UPDATED"),
    runEvent("ANY_RUN_CHANGE"),
  ]),
  condition: z.strictObject({ type: z.literal("JQ"), expressions: z.array(z.string()), combinator: z.enum(["and", "or"]).optional() }).optional(),
});

const invocationMethod = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("KAFKA"), payload: objectOrArray.optional() }),
  z.strictObject({
    type: z.literal("WEBHOOK"),
    url: z.string(),
    agent: boolOrString.optional(),
    synchronized: boolOrString.optional(),
    method: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: objectOrArray.optional(),
  }),
  z.strictObject({
    type: z.literal("GITHUB"),
    org: z.string(),
    repo: z.string(),
    workflow: z.string(),
    workflowInputs: jsonObject.optional(),
    reportWorkflowStatus: boolOrString.optional(),
  }),
  z.strictObject({
    type: z.literal("INTEGRATION_ACTION"),
    installationId: z.string(),
    integrationActionType: z.string(),
    integrationActionExecutionProperties: jsonObject,
  }),
  z.strictObject({
    type: z.literal("GITLAB"),
    projectName: z.string(),
    groupName: z.string(),
    defaultRef: z.string().optional(),
    pipelineVariables: jsonObject.optional(),
  }),
  z.strictObject({ type: z.literal("AZURE_DEVOPS"), webhook: z.string(), org: z.string(), payload: objectOrArray.optional() }),
  z.strictObject({ type: z.literal("UPSERT_ENTITY"), blueprintIdentifier: z.string(), mapping: jsonObject }),
]);

export const actionBody = z.strictObject({
  identifier: z.string().regex(ACTION_ID),
  title: z.string().optional(),
  icon: z.string().optional(),
  description: z.string().optional(),
  trigger: z.discriminatedUnion("type", [selfService, automation]),
  invocationMethod,
  requiredApproval: z.union([z.boolean(), z.strictObject({ type: z.enum(["ANY", "ALL"]) })]).optional(),
  approvalNotification: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("webhook"), url: z.string(), format: z.enum(["json", "slack"]).optional() }),
      z.strictObject({ type: z.literal("email") }),
    ])
    .optional(),
  publish: z.boolean().optional(),
  allowAnyoneToViewRuns: z.boolean().optional(),
});

export function getAction(state: PortState, identifier: string): Action {
  const action = state.actions.get(identifier);
  if (!action) throw notFound(`Action with identifier "${identifier}" was not found`);
  return action;
}

export function createAction(state: PortState, body: unknown): Action {
  const parsed = parseBody(actionBody, body);
  if (state.actions.has(parsed.identifier)) {
    throw new PortError(409, "identifier_taken", `An action with identifier "${parsed.identifier}" already exists`);
  }
  checkReferences(state, parsed);
  const action: Action = { ...(clone(parsed) as JsonObject), id: portId("action"), ...state.meta() } as Action;
  storeStringSets(state, action);
  state.actions.set(action.identifier, action);
  return action;
}

export function replaceAction(state: PortState, identifier: string, body: unknown): Action {
  const previous = getAction(state, identifier);
  const parsed = parseBody(actionBody, body);
  if (parsed.identifier !== identifier) {
    throw invalid(`body/identifier "${parsed.identifier}" does not match the action "${identifier}" in the path`);
  }
  checkReferences(state, parsed);
  const action = {
    ...(clone(parsed) as JsonObject),
    id: previous.id,
    createdAt: previous.createdAt,
    createdBy: previous.createdBy,
    updatedAt: new Date().toISOString(),
    updatedBy: state.actor,
  } as Action;
  storeStringSets(state, action);
  state.actions.set(identifier, action);
  return action;
}

/** userInputs.required (a list, not a jq query) in the order this organisation stores sets. */
function storeStringSets(state: PortState, action: Action): void {
  const inputs = action.trigger.userInputs as { required?: unknown } | undefined;
  if (Array.isArray(inputs?.required)) inputs.required = state.stringSet(inputs.required as string[]);
}

/** Port refuses actions pointing at blueprints that don't exist (trigger and entity inputs). */
function checkReferences(state: PortState, action: z.infer<typeof actionBody>): void {
  const trigger = action.trigger as JsonObject;
  const bp = trigger.blueprintIdentifier ?? (trigger.event as JsonObject | undefined)?.blueprintIdentifier;
  if (typeof bp === "string" && !state.blueprints.has(bp)) throw blueprintNotFound(bp);
  const inputs = (trigger.userInputs as { properties?: Record<string, JsonObject> } | undefined)?.properties ?? {};
  for (const [name, input] of Object.entries(inputs)) {
    const items = input.items as JsonObject | undefined;
    const target = input.format === "entity" ? input.blueprint : items?.format === "entity" ? items.blueprint : undefined;
    if ((input.format === "entity" || items?.format === "entity") && typeof target !== "string") {
      throw invalid(`User input "${name}" has format "entity" but no blueprint`);
    }
    if (typeof target === "string" && !state.blueprints.has(target)) throw blueprintNotFound(target);
  }
}

const many = (q: URLSearchParams, name: string): string[] => [...q.getAll(name), ...q.getAll(`${name}[]`)];

export function registerActionRoutes(router: PortRouter, state: PortState): void {
  router.authed("POST", "/v1/actions", (req) => ok(201, { action: clone(createAction(state, req.body)) }));
  router.authed("GET", "/v1/actions", (req) => {
    const ids = many(req.query, "action_identifier");
    const bps = many(req.query, "blueprint_identifier");
    const ops = many(req.query, "operation");
    const triggerType = req.query.get("trigger_type");
    const actions = [...state.actions.values()].filter(
      (a) =>
        (ids.length === 0 || ids.includes(a.identifier)) &&
        (bps.length === 0 || bps.includes(String(a.trigger.blueprintIdentifier))) &&
        (ops.length === 0 || ops.includes(String(a.trigger.operation))) &&
        (!triggerType || a.trigger.type === triggerType),
    );
    return ok(200, { actions: actions.map(clone) });
  });
  router.authed("GET", "/v1/actions/:id", (req) => ok(200, { action: clone(getAction(state, req.params.id)) }));
  router.authed("PUT", "/v1/actions/:id", (req) => ok(200, { action: clone(replaceAction(state, req.params.id, req.body)) }));
  router.authed("DELETE", "/v1/actions/:id", (req) => {
    getAction(state, req.params.id);
    state.actions.delete(req.params.id);
    return ok(200);
  });
}
