// The shape of a Port v2 action as this stack declares it: exactly the body of
// POST/PUT /v1/actions (Port rejects unknown top-level keys, so nothing else goes in).

export interface PortActionBody {
  identifier: string;
  title: string;
  icon?: string;
  description?: string;
  trigger: {
    type: "self-service";
    operation: "CREATE" | "DAY-2" | "DELETE";
    blueprintIdentifier: string;
    userInputs: { properties: Record<string, Record<string, unknown>>; required: string[]; order?: string[] };
    condition?: { type: "SEARCH"; combinator: "and" | "or"; rules: Record<string, unknown>[] };
  };
  invocationMethod:
    | { type: "KAFKA"; payload: Record<string, unknown> }
    | { type: "WEBHOOK"; url: string; agent: boolean; synchronized: boolean; method: "POST"; headers?: Record<string, string>; body?: Record<string, unknown> };
  requiredApproval: boolean | { type: "ANY" | "ALL" };
}

/** An action as declared, with the blueprints that must exist before Port accepts it. */
export interface PortAction {
  readonly identifier: string;
  /** The blueprint the action hangs on. */
  readonly blueprint: string;
  /** Every blueprint the action refers to: its own, entity inputs', dataset rules'. */
  readonly references: readonly string[];
  readonly body: PortActionBody;
}

export function action(body: PortActionBody): PortAction {
  const references = new Set<string>([body.trigger.blueprintIdentifier]);
  for (const input of Object.values(body.trigger.userInputs.properties)) {
    if (typeof input.blueprint === "string") references.add(input.blueprint);
    const rules = (input.dataset as { rules?: { blueprint?: unknown }[] } | undefined)?.rules ?? [];
    for (const rule of rules) if (typeof rule.blueprint === "string") references.add(rule.blueprint);
  }
  return { identifier: body.identifier, blueprint: body.trigger.blueprintIdentifier, references: [...references].sort(), body };
}
