// Config of the governance the stack declares in Port (issue 14): teams, who may deploy and
// approve, and scorecards. Lives apart from stacks/config.ts, which only composes it under the
// `governance` key. Team members are never configured here: membership stays in Port/SSO.
import { z } from "zod";

/** Port's team name pattern (POST /v1/teams `name`). */
const TEAM_NAME = /^[^;#/?\s][^;#/?]*[^;#/?\s]$/;

/** Preset date ranges a scorecard date rule accepts (apispec "Preset date range"). */
export const SCORECARD_DATE_PRESETS = ["lastWeek", "last2Weeks", "lastMonth", "last3Months", "last6Months", "last12Months"] as const;
export type ScorecardDatePreset = (typeof SCORECARD_DATE_PRESETS)[number];

/** Colours Port accepts for a scorecard level. */
export const SCORECARD_LEVEL_COLORS = [
  "blue", "turquoise", "orange", "purple", "pink", "yellow", "green", "red", "gold", "silver",
  "paleBlue", "darkGray", "lightGray", "bronze", "lime", "olive", "brown",
] as const;

const teamName = () => z.string().regex(TEAM_NAME, "a Port team name: no ; # / ? and no leading/trailing space").max(200);
const email = () => z.email();

function teamSchema() {
  return z.object({ name: teamName(), description: z.string().max(1000).optional() }).strict();
}

/** Who may run an action: roles, named teams or users, and/or the owning team of the entity. */
function executeSchema(defaults: { roles: string[]; ownedByTeam: boolean }) {
  return z
    .object({
      roles: z.array(z.string().min(1)).default(defaults.roles),
      teams: z.array(teamName()).default([]),
      users: z.array(email()).default([]),
      /** Members of the team owning the entity (product → environment, image) may run it. */
      ownedByTeam: z.boolean().default(defaults.ownedByTeam),
    })
    .strict()
    .default({ roles: defaults.roles, teams: [], users: [], ownedByTeam: defaults.ownedByTeam });
}

function levelSchema() {
  return z.object({ title: z.string().min(1).max(50), color: z.enum(SCORECARD_LEVEL_COLORS) }).strict();
}

const DEFAULT_LEVELS = [
  { title: "Basic", color: "paleBlue" as const },
  { title: "Bronze", color: "bronze" as const },
  { title: "Silver", color: "silver" as const },
  { title: "Gold", color: "gold" as const },
];

function scorecardsSchema() {
  const rules = <K extends string>(defaults: Record<K, string>) =>
    z.object(Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, z.string().min(1).default(v as string)])) as Record<K, z.ZodDefault<z.ZodString>>).strict().default(defaults as never);
  const production = {
    /** Deployed image known. */
    imageKnown: "Bronze",
    /** Last deploy succeeded. */
    lastDeploySucceeded: "Silver",
    /** Last deploy within `deployedWithin`. */
    recentDeploy: "Silver",
    /** Deployed image built from `defaultBranch`. */
    defaultBranch: "Gold",
  };
  const image = { buildSucceeded: "Bronze", commitKnown: "Silver" };
  return z
    .object({
      /** Levels, lowest (the level of an entity that passes no rule) first. */
      levels: z.array(levelSchema()).min(2).default(DEFAULT_LEVELS),
      /** "Last deploy within N days" as one of Port's preset date ranges. */
      deployedWithin: z.enum(SCORECARD_DATE_PRESETS).default("lastMonth"),
      /** Branch an image in production should come from. */
      defaultBranch: z.string().min(1).max(200).default("main"),
      /** Level each rule of the environment's "Production readiness" scorecard grants. */
      productionReadiness: rules(production),
      /** Level each rule of the image's "Build quality" scorecard grants. */
      imageQuality: rules(image),
    })
    .strict()
    .superRefine((s, ctx) => {
      const titles = s.levels.map((l) => l.title);
      if (new Set(titles).size !== titles.length) ctx.addIssue({ code: "custom", path: ["levels"], message: "level titles must be unique" });
      // The first level is where an entity starts; a rule must grant one above it.
      const grantable = titles.slice(1);
      for (const group of ["productionReadiness", "imageQuality"] as const) {
        for (const [rule, level] of Object.entries(s[group])) {
          if (!grantable.includes(level as string)) ctx.addIssue({ code: "custom", path: [group, rule], message: `a level above the first one: ${grantable.join(", ")}` });
        }
      }
    });
}

export function governanceConfigSchema() {
  return z
    .object({
      /** Teams the stack declares (name, description). Members are never touched. */
      teams: z.array(teamSchema()).default([]),
      /** Who may run the deploy actions (and request a production deploy). */
      deployers: executeSchema({ roles: ["Admin"], ownedByTeam: true }),
      /** Who may approve a production deploy or a PORC apply; never the requester alone. */
      approvers: z
        .object({ teams: z.array(teamName()).default([]), users: z.array(email()).default([]) })
        .strict()
        .refine((a) => a.teams.length + a.users.length > 0, "at least one approver team or user"),
      /** Who may run PORC's Re-run plan and Apply now. */
      porcOperators: executeSchema({ roles: ["Admin"], ownedByTeam: false }),
      /** Scorecards on environment and image (omit to declare none). */
      scorecards: scorecardsSchema().optional(),
    })
    .strict()
    .superRefine((g, ctx) => {
      const names = new Set<string>();
      g.teams.forEach((t, i) => {
        if (names.has(t.name)) ctx.addIssue({ code: "custom", path: ["teams", i, "name"], message: `team "${t.name}" is declared twice` });
        names.add(t.name);
      });
      // A team named in a permission must be declared, so it exists before the permission.
      const refs: [string, readonly string[]][] = [
        ["deployers", g.deployers.teams],
        ["approvers", g.approvers.teams],
        ["porcOperators", g.porcOperators.teams],
      ];
      for (const [key, teams] of refs) {
        teams.forEach((t, i) => {
          if (!names.has(t)) ctx.addIssue({ code: "custom", path: [key, "teams", i], message: `a team declared under governance.teams (no team "${t}")` });
        });
      }
    });
}

export type GovernanceConfig = z.output<ReturnType<typeof governanceConfigSchema>>;
export type ScorecardsConfig = NonNullable<GovernanceConfig["scorecards"]>;

/** Products name their owning team; with governance declared, it must be one of its teams. */
export function owningTeamIssues(governance: GovernanceConfig | undefined, products: readonly { owningTeam?: string }[]): { path: (string | number)[]; message: string }[] {
  if (!governance) return [];
  const names = new Set(governance.teams.map((t) => t.name));
  return products.flatMap((p, i) =>
    p.owningTeam !== undefined && !names.has(p.owningTeam)
      ? [{ path: ["products", i, "owningTeam"], message: `a team declared under governance.teams (no team "${p.owningTeam}")` }]
      : [],
  );
}
