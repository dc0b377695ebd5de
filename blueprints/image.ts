import { blueprint, countOf, dateTimeProp, enumProp, relation, stringProp, urlProp } from "./dsl";
import { product } from "./product";
import { BLUEPRINTS, BUILD_STATUSES, IMAGE, IMAGE_AGGREGATIONS } from "./vocabulary";
import { BUILD_STATUS_COLORS } from "./colors";

export const image = blueprint({
  identifier: BLUEPRINTS.image,
  title: "Image",
  description: "Container image built by a Codefresh CI pipeline",
  icon: "Package",
  ownership: { type: "Inherited", path: IMAGE.product },
  properties: {
    [IMAGE.service]: stringProp("Service"),
    [IMAGE.branch]: stringProp("Image branch", { icon: "GitPullRequest", maxLength: 200 }),
    [IMAGE.commit]: stringProp("Commit", { pattern: "^[0-9a-f]{7,40}$" }),
    [IMAGE.imageRef]: stringProp("Image reference", { description: "Full registry reference, e.g. registry/repo:tag" }),
    [IMAGE.build]: urlProp("Codefresh build", { icon: "Codefresh" }),
    [IMAGE.buildResult]: enumProp("Codefresh build result", BUILD_STATUSES, { icon: "Codefresh", colors: BUILD_STATUS_COLORS }),
    [IMAGE.createdAt]: dateTimeProp("Created at", { icon: "Clock", description: "When the CI build started" }),
    [IMAGE.buildsOfBranch]: urlProp("Builds of this repo and branch", { icon: "Server" }),
  },
  relations: {
    [IMAGE.product]: relation(product, "Product"),
  },
  aggregationProperties: {
    // Environments whose image_deployed points here: where this image runs.
    [IMAGE_AGGREGATIONS.environmentsRunning]: countOf(BLUEPRINTS.environment, "Environments running it", { icon: "Environment" }),
  },
});
