// Scorecards of the catalog: "Production readiness" on environment and "Build quality" on
// image. Each is exactly the body of POST /v1/blueprints/{blueprint}/scorecards; levels and
// thresholds come from the caller (stack config). No I/O.
import type { Blueprint } from "./dsl";
import { BLUEPRINTS, ENVIRONMENT, IMAGE } from "./vocabulary";

export const SCORECARDS = { productionReadiness: "production_readiness", buildQuality: "build_quality" } as const;

export type ScorecardCondition =
  | { property: string; operator: "=" | "!="; value: string | number | boolean }
  | { property: string; operator: "between"; value: { preset: string } }
  | { property: string; operator: "isEmpty" | "isNotEmpty" }
  | { relation: string; operator: "isEmpty" | "isNotEmpty" };

export interface ScorecardRule {
  identifier: string;
  title: string;
  description?: string;
  level: string;
  query: { combinator: "and" | "or"; conditions: ScorecardCondition[] };
}

export interface ScorecardBody {
  identifier: string;
  title: string;
  filter?: { combinator: "and" | "or"; conditions: ScorecardCondition[] };
  levels: { title: string; color: string }[];
  rules: ScorecardRule[];
}

/** A scorecard as declared: the blueprint it hangs on and the body Port receives. */
export interface Scorecard {
  readonly blueprint: string;
  readonly identifier: string;
  readonly body: ScorecardBody;
}

export interface ScorecardArgs {
  readonly levels: readonly { readonly title: string; readonly color: string }[];
  /** One of Port's preset date ranges ("lastMonth"). */
  readonly deployedWithin: string;
  readonly defaultBranch: string;
  readonly productionReadiness: { readonly imageKnown: string; readonly lastDeploySucceeded: string; readonly recentDeploy: string; readonly defaultBranch: string };
  readonly imageQuality: { readonly buildSucceeded: string; readonly commitKnown: string };
}

const SUCCESS = "success";

export function declareScorecards(args: ScorecardArgs): Scorecard[] {
  const levels = args.levels.map((l) => ({ title: l.title, color: l.color }));
  const rule = (identifier: string, title: string, level: string, condition: ScorecardCondition, description?: string): ScorecardRule => ({
    identifier,
    title,
    ...(description ? { description } : {}),
    level,
    query: { combinator: "and", conditions: [condition] },
  });
  const p = args.productionReadiness;
  const production: ScorecardBody = {
    identifier: SCORECARDS.productionReadiness,
    title: "Production readiness",
    // Only production environments are judged; the others have no such bar.
    filter: { combinator: "and", conditions: [{ property: ENVIRONMENT.kind, operator: "=", value: "Production" }] },
    levels,
    rules: [
      rule("image_known", "Deployed image known", p.imageKnown, { relation: ENVIRONMENT.imageDeployed, operator: "isNotEmpty" }),
      rule("last_deploy_succeeded", "Last deploy succeeded", p.lastDeploySucceeded, { property: ENVIRONMENT.deploymentBuildStatus, operator: "=", value: SUCCESS }),
      rule("recent_deploy", "Deployed recently", p.recentDeploy, { property: ENVIRONMENT.lastDeploymentTimestamp, operator: "between", value: { preset: args.deployedWithin } }, `Last deploy within ${args.deployedWithin}`),
      rule("default_branch", "Image built from the default branch", p.defaultBranch, { property: ENVIRONMENT.imageBranch, operator: "=", value: args.defaultBranch }, `Deployed image built from ${args.defaultBranch}`),
    ],
  };
  const q = args.imageQuality;
  const image: ScorecardBody = {
    identifier: SCORECARDS.buildQuality,
    title: "Build quality",
    levels,
    rules: [
      rule("build_succeeded", "Build succeeded", q.buildSucceeded, { property: IMAGE.buildResult, operator: "=", value: SUCCESS }),
      rule("commit_known", "Commit known", q.commitKnown, { property: IMAGE.commit, operator: "isNotEmpty" }),
    ],
  };
  return [
    { blueprint: BLUEPRINTS.environment, identifier: production.identifier, body: production },
    { blueprint: BLUEPRINTS.image, identifier: image.identifier, body: image },
  ];
}

/** Meta-properties every entity has (Port search/scorecard vocabulary). */
const META_PROPERTIES = ["$identifier", "$title", "$team", "$createdAt", "$updatedAt", "$icon"];

/**
 * What a scorecard names that its blueprint lacks (a property, mirror or calculation, or a
 * relation) or levels its rules grant that it does not declare. Empty when the scorecard fits.
 */
export function scorecardProblems(scorecard: Scorecard, bp: Blueprint | undefined): string[] {
  const where = `scorecard ${scorecard.blueprint}/${scorecard.identifier}`;
  if (!bp) return [`${where}: blueprint "${scorecard.blueprint}" is not declared`];
  const properties = new Set([
    ...Object.keys(bp.body.schema.properties),
    ...Object.keys(bp.body.mirrorProperties),
    ...Object.keys(bp.body.calculationProperties),
    ...Object.keys(bp.aggregations),
    ...META_PROPERTIES,
  ]);
  const relations = new Set(Object.keys(bp.body.relations));
  const levels = new Set(scorecard.body.levels.map((l) => l.title));
  const problems: string[] = [];
  const check = (context: string, c: ScorecardCondition) => {
    if ("relation" in c) {
      if (!relations.has(c.relation)) problems.push(`${where}: ${context} names relation "${c.relation}", which blueprint ${bp.identifier} does not have`);
    } else if (!properties.has(c.property)) {
      problems.push(`${where}: ${context} names property "${c.property}", which blueprint ${bp.identifier} does not have`);
    }
  };
  for (const c of scorecard.body.filter?.conditions ?? []) check("filter", c);
  for (const r of scorecard.body.rules) {
    for (const c of r.query.conditions) check(`rule "${r.identifier}"`, c);
    if (!levels.has(r.level)) problems.push(`${where}: rule "${r.identifier}" grants level "${r.level}", which the scorecard does not declare`);
  }
  return problems;
}
