import { blueprint, dateTimeProp, enumProp, mirror, relation, urlProp } from "./dsl";
import { BUILD_STATUS_COLORS } from "./colors";
import { image } from "./image";
import { product } from "./product";
import { BLUEPRINTS, BUILD_STATUSES, ENVIRONMENT, ENVIRONMENT_KINDS, IMAGE } from "./vocabulary";

export const environment = blueprint({
  identifier: BLUEPRINTS.environment,
  title: "Environment",
  description: "A deploy target of a product",
  icon: "Environment",
  ownership: { type: "Inherited", path: ENVIRONMENT.product },
  properties: {
    [ENVIRONMENT.kind]: enumProp("Kind", ENVIRONMENT_KINDS, {
      required: true,
      default: "Dev",
      colors: { Dev: "lightGray", Staging: "turquoise", Production: "green" },
    }),
    [ENVIRONMENT.deploymentBuild]: urlProp("Last deploy build", { icon: "Codefresh" }),
    [ENVIRONMENT.deploymentBuildStatus]: enumProp("Last deploy status", BUILD_STATUSES, { icon: "Codefresh", colors: BUILD_STATUS_COLORS }),
    [ENVIRONMENT.lastDeploymentTimestamp]: dateTimeProp("Last deployed at", { icon: "Clock" }),
  },
  relations: {
    [ENVIRONMENT.product]: relation(product, "Product", { required: true }),
    [ENVIRONMENT.imageDeployed]: relation(image, "Image deployed"),
  },
  mirrorProperties: {
    [ENVIRONMENT.imageCreatedAt]: mirror("Image built at", `${ENVIRONMENT.imageDeployed}.${IMAGE.createdAt}`),
    [ENVIRONMENT.imageBranch]: mirror("Image branch", `${ENVIRONMENT.imageDeployed}.${IMAGE.branch}`),
  },
});
