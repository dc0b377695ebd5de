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
          }).strict(),
        )
        .min(1)
        .default([{ name: "deploy", deploy: { kind: "helm", chart: "oci://registry.example.com/developer-portal/charts/app", kubeContext: "default", image: "alpine/helm:3.16.2", timeout: "10m" } }]),
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
          pulumiImage: image.default("pulumi/pulumi-nodejs:3.205.0"),
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
