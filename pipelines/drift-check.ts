// Scheduled drift check of the live portal against the stack: `pulumi preview --refresh
// --expect-no-changes` (exit 7 = changes found = drift, a verdict, not a crash) and the
// catalog-level `portal drift`. Drift ends the build red with a message that says "drift";
// any other failure is reported as the tool failing.
import { CodefreshConfig } from "./config";
import { encryptedVariable, PipelineDefinition, plainVariable } from "./spec";

export const DRIFT_CHECK_PIPELINE = "drift-check";
/** Exit code of `pulumi preview --expect-no-changes` when the preview has changes. */
export const PULUMI_DRIFT_EXIT_CODE = 7;
export const DRIFT_VARIABLE = "PORTAL_DRIFT";

/** Classifies pulumi's exit code; exports PORTAL_DRIFT=none|drift for the verdict step. */
export function pulumiDriftScript(): string {
  return `set -uo pipefail
code=0
pulumi preview --stack "$PULUMI_STACK" --refresh --expect-no-changes --diff --non-interactive || code=$?
case "$code" in
  0) echo "No drift: the live stack matches the program."; cf_export ${DRIFT_VARIABLE}=none ;;
  ${PULUMI_DRIFT_EXIT_CODE}) echo "DRIFT: pulumi preview --refresh found changes (exit ${PULUMI_DRIFT_EXIT_CODE}); see the diff above."; cf_export ${DRIFT_VARIABLE}=drift ;;
  *) echo "pulumi preview failed with exit $code: this is an error of the check, not a drift verdict." >&2; exit "$code" ;;
esac`;
}

/** Last step: red with "drift detected" when either check found drift. */
export function driftVerdictScript(): string {
  return `set -euo pipefail
if [ "\${${DRIFT_VARIABLE}:-}" = "drift" ] || [ "\${CATALOG_DRIFT_RESULT:-}" = "drift" ]; then
  echo "Drift detected in stack $PULUMI_STACK: the live portal differs from the program (see the steps above)." >&2
  exit 1
fi
echo "No drift in stack $PULUMI_STACK."`;
}

/** Exit codes of `portal drift` (tools/cli.ts): 0 matches, 1 drift found, anything else an error. */
export function catalogDriftScript(): string {
  return `set -uo pipefail
code=0
npm run portal -- drift --stack "$PULUMI_STACK" || code=$?
case "$code" in
  0) cf_export CATALOG_DRIFT_RESULT=none ;;
  1) echo "DRIFT: the live catalog or pipelines differ from the declaration (see above)."; cf_export CATALOG_DRIFT_RESULT=drift ;;
  *) echo "portal drift failed with exit $code: this is an error of the check, not a drift verdict." >&2; exit "$code" ;;
esac`;
}

export function driftCheckPipeline(cf: CodefreshConfig): PipelineDefinition {
  const s = cf.stack;
  return {
    name: DRIFT_CHECK_PIPELINE,
    description: `Scheduled drift check of stack ${s.pulumiStack} (${s.repository}@${s.branch})`,
    tags: ["developer-portal", "stack", "drift-check"],
    spec: {
      version: "1.0",
      stages: ["clone", "check", "verdict"],
      steps: {
        // A cron build has no git context: the repository and branch are named explicitly.
        clone: { title: "Clone", type: "git-clone", stage: "clone", repo: s.repository, revision: s.branch, git: cf.git, depth: 1 },
        install: { title: "Install", stage: "check", image: s.nodeImage, shell: "bash", working_directory: "${{clone}}", commands: ["npm ci && npm run build"] }, // dist/agent for the program
        pulumi_drift: { title: "pulumi preview --refresh --expect-no-changes", stage: "check", image: s.pulumiImage, shell: "bash", working_directory: "${{clone}}", commands: [pulumiDriftScript()] },
        catalog_drift: { title: "Catalog drift", stage: "check", image: s.nodeImage, shell: "bash", working_directory: "${{clone}}", commands: [catalogDriftScript()] },
        verdict: { title: "Verdict", stage: "verdict", image: s.nodeImage, shell: "bash", commands: [driftVerdictScript()] },
      },
    },
    // portal drift reads the live Port org and Codefresh account (read-only).
    variables: [
      plainVariable("PULUMI_STACK", s.pulumiStack),
      encryptedVariable("PULUMI_ACCESS_TOKEN"),
      encryptedVariable("PORT_CLIENT_ID"),
      encryptedVariable("PORT_CLIENT_SECRET"),
      encryptedVariable("CODEFRESH_API_KEY"),
    ],
    triggers: [],
    cronTriggers: [{ type: "cron", name: "drift-check", message: "scheduled drift check", expression: s.driftSchedule, disabled: false }],
    contexts: [...s.contexts],
  };
}
