// PR preview of this stack's own repository: tests, synth, the catalog diff against the PR's
// target branch and `pulumi preview --diff`, on every pull request.
import { CodefreshConfig } from "./config";
import { encryptedVariable, PipelineDefinition, plainVariable } from "./spec";

export const PR_PREVIEW_PIPELINE = "pr-preview";

export function prPreviewPipeline(cf: CodefreshConfig): PipelineDefinition {
  const s = cf.stack;
  const node = (title: string, stage: string, commands: string[]) => ({
    title, stage, image: s.nodeImage, shell: "bash" as const, working_directory: "${{clone}}", commands,
  });
  return {
    name: PR_PREVIEW_PIPELINE,
    description: `Preview a pull request of ${s.repository}: tests, synth, catalog diff, pulumi preview`,
    tags: ["developer-portal", "stack", "pr-preview"],
    spec: {
      version: "1.0",
      stages: ["clone", "test", "preview"],
      steps: {
        clone: { title: "Clone", type: "git-clone", stage: "clone", repo: "${{CF_REPO_OWNER}}/${{CF_REPO_NAME}}", revision: "${{CF_REVISION}}", git: cf.git },
        // `npm run build` writes dist/agent (gitignored), which the program (synth, pulumi preview) needs.
        install: node("Install", "test", ["npm ci && npm run build"]),
        unit_tests: node("Tests", "test", ["npm test"]),
        synth: node("Synth", "preview", ['npm run synth -- --stack "$PULUMI_STACK"']),
        catalog_diff: node("Catalog diff", "preview", [
          'git fetch --no-tags origin "$CF_PULL_REQUEST_TARGET"',
          'npm run portal -- diff --base "origin/$CF_PULL_REQUEST_TARGET" --stack "$PULUMI_STACK"',
        ]),
        pulumi_preview: {
          title: "pulumi preview",
          stage: "preview",
          image: s.pulumiImage,
          shell: "bash",
          working_directory: "${{clone}}",
          commands: ['pulumi preview --stack "$PULUMI_STACK" --diff --non-interactive'],
        },
      },
    },
    variables: [plainVariable("PULUMI_STACK", s.pulumiStack), encryptedVariable("PULUMI_ACCESS_TOKEN")],
    triggers: [
      {
        type: "git",
        name: "pull-request",
        repo: s.repository,
        events: ["pullrequest.opened", "pullrequest.reopened", "pullrequest.synchronize"],
        branchRegex: "/.*/gi",
        provider: "github",
        context: cf.git,
        disabled: false,
      },
    ],
    cronTriggers: [],
    contexts: [...s.contexts],
  };
}
