// Stack config section `codefresh`: the Codefresh project, the CI services, the deploy pipelines
// and the stack's own PR-preview and drift-check pipelines. Parsed as part of stacks/config.ts.
import { z } from "zod";

/**
 * An image pinned by digest, or by an exact version tag (at least "major.minor": `node:20` moves,
 * `latest` moves, a bare name means latest).
 */
export function isPinnedImage(ref: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  const m = /^[a-z0-9][a-z0-9._/-]*(?::[0-9]+\/[a-z0-9._/-]+)?:([A-Za-z0-9_.-]+)$/.exec(ref);
  return m !== null && /[0-9]+\.[0-9]+/.test(m[1]);
}

/** First Pulumi CLI whose `--expect-no-changes` exits 7 on changes (before: 255, the code of any error). */
export const MIN_PULUMI_CLI_VERSION = "3.226.1";

function versionAtLeast(version: string, min: string): boolean {
  const a = version.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/**
 * Why a Pulumi image cannot run the drift check, or undefined when it can (or cannot be told).
 * Only the official images (`[registry/]pulumi/pulumi[-<lang>…]:<version>[-<variant>]`) are
 * checked: their tag is the CLI version. An image pinned by digest is accepted unchecked (the
 * digest, not a tag, decides what runs, and it says nothing about the version), and so is any
 * other image (its tag is its own version): for those the operator vouches for a CLI ≥ 3.226.1.
 */
export function pulumiImageProblem(ref: string): string | undefined {
  if (ref.includes("@sha256:")) return undefined;
  const m = /^(?:[^/]+\.[^/]+\/|[^/]+:[0-9]+\/)?(?:library\/)?pulumi\/pulumi(?:-[a-z0-9.-]+)?:v?([0-9]+(?:\.[0-9]+){1,2})(?:-[A-Za-z0-9_.-]+)?$/.exec(ref);
  if (!m) return undefined;
  if (versionAtLeast(m[1], MIN_PULUMI_CLI_VERSION)) return undefined;
  return `Pulumi CLI ${m[1]} is too old for the drift check: \`pulumi preview --expect-no-changes\` exits 7 on drift only from ${MIN_PULUMI_CLI_VERSION} (older versions exit 255, indistinguishable from an error); use pulumi/pulumi-nodejs:${MIN_PULUMI_CLI_VERSION} or later`;
}

export function codefreshConfigSchema() {
  const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, "letters, digits, _ . - (max 100)");
  const image = z.string().refine(isPinnedImage, "an image pinned by digest or exact version tag (e.g. node:20.19.5, not node:20 or latest)");
  const repository = z.string().regex(/^[^/\s]+\/[^/\s]+$/, "owner/name");
  const deployStep = z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("helm"),
      /** Chart reference; the release is PORT_PRODUCT. */
      chart: z.string().min(1).default("oci://registry.example.com/developer-portal/charts/app"),
      /** Kube context name of the Codefresh cluster integration. */
      kubeContext: z.string().min(1).default("default"),
      image: image.default("alpine/helm:3.16.2"),
      timeout: z.string().regex(/^[0-9]+[smh]$/).default("10m"),
    }).strict(),
    z.object({
      kind: z.literal("kubectl"),
      kubeContext: z.string().min(1).default("default"),
      /** Deployment whose `container` gets the new image; namespace is PORT_ENVIRONMENT. */
      deployment: z.string().min(1),
      container: z.string().min(1),
      image: image.default("bitnami/kubectl:1.31.4"),
    }).strict(),
    z.object({
      kind: z.literal("custom"),
      image,
      /** Shell commands; PORT_IMAGE_REF, PORT_ENVIRONMENT, PORT_PRODUCT… are env variables. */
      commands: z.array(z.string().min(1)).min(1),
    }).strict(),
  ]);
  return z
    .object({
      /** Codefresh host (no /api). */
      url: z.url().default("https://g.codefresh.io"),
      /** Codefresh project that holds every pipeline of this stack. */
      project: name.default("developer-portal"),
      /** Git integration name in Codefresh (clone steps, triggers). */
      git: z.string().min(1).default("github"),
      /** Docker registry integration name in Codefresh that CI pushes to. */
      registry: z.string().min(1).default("docker-registry"),
      /** Registry host/path prefix of pushed images, e.g. registry.example.com/telco. */
      imageRepositoryPrefix: z.string().min(1).default("registry.example.com/developer-portal"),
      /** Image that runs the reporter scripts: needs bash, curl and jq; pinned. */
      reporterImage: image.default("quay.io/codefresh/cli:1.2.7"),
      /** Service repositories that get a CI pipeline. */
      services: z
        .array(
          z.object({
            name,
            /** Product (identifier) the images belong to. */
            product: z.string().min(1),
            /** Git repository "owner/name". */
            repository,
            dockerfile: z.string().min(1).default("Dockerfile"),
          }).strict(),
        )
        .default([]),
      /** Deploy pipelines offered in the deploy actions (the agent's allowlist). */
      deployPipelines: z
        .array(
          z.object({
            name,
            description: z.string().optional(),
            /** The deploy step; helm upgrade by default. */
            deploy: deployStep.default({ kind: "helm", chart: "oci://registry.example.com/developer-portal/charts/app", kubeContext: "default", image: "alpine/helm:3.16.2", timeout: "10m" }),
            /**
             * Builds of this pipeline that may run at once (Codefresh `spec.concurrency`; 0 =
             * unlimited); more are queued by Codefresh. The agent only orders build *starts*, so
             * without a limit two deploys to the same environment run side by side and race the
             * helm release (one fails with "another operation is in progress", or the older image
             * lands last). 1 (the default) serializes every deploy of this pipeline, across all
             * environments and products: safe, but a slow deploy holds up deploys elsewhere. Raise
             * it (or 0) only when parallel deploys cannot touch the same release.
             */
            concurrency: z.int().min(0).default(1),
          }).strict(),
        )
        .min(1)
        // prefault: the default goes through the schema, so each field's own default applies.
        .prefault([{ name: "deploy" }]),
      /** The stack's own repository: PR-preview and drift-check pipelines. */
      stack: z
        .object({
          /** Git repository of this stack, "owner/name". */
          repository: repository.default("platform/developer-portal"),
          /** Default branch the drift check runs on. */
          branch: z.string().min(1).default("main"),
          /** Pulumi stack previewed by both pipelines. */
          pulumiStack: z.string().min(1).default("dev"),
          nodeImage: image.default("node:20.19.5-bookworm-slim"),
          /** Runs `pulumi preview`; the CLI must be ≥ 3.226.1 (exit 7 = drift). Keep it with @pulumi/pulumi in package.json. */
          pulumiImage: image
            .superRefine((ref, ctx) => {
              const problem = pulumiImageProblem(ref);
              if (problem) ctx.addIssue({ code: "custom", message: problem });
            })
            .default("pulumi/pulumi-nodejs:3.248.0"),
          /** Shared configuration contexts (cloud credentials for pulumi preview). */
          contexts: z.array(z.string().min(1)).default([]),
          /** Cron expression of the drift check (UTC). */
          driftSchedule: z.string().min(9).default("0 6 * * *"),
          prPreview: z.boolean().default(true),
          driftCheck: z.boolean().default(true),
        })
        .strict()
        .prefault({}),
    })
    .strict();
}

export type CodefreshConfig = z.output<ReturnType<typeof codefreshConfigSchema>>;
export type DeployStepConfig = CodefreshConfig["deployPipelines"][number]["deploy"];

/** Full names ("project/pipeline") of the deploy pipelines, as Codefresh's run API takes them. */
export function deployPipelineNames(cf: CodefreshConfig): string[] {
  return cf.deployPipelines.map((p) => `${cf.project}/${p.name}`);
}
