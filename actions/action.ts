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

/** An action as declared, with the blueprint it hangs on (which must exist first). */
export interface PortAction {
  readonly identifier: string;
  readonly blueprint: string;
  readonly body: PortActionBody;
}

export function action(body: PortActionBody): PortAction {
  return { identifier: body.identifier, blueprint: body.trigger.blueprintIdentifier, body };
}
