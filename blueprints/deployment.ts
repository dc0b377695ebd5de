import { blueprint, dateTimeProp, enumProp, relation, stringProp, urlProp, userProp } from "./dsl";
import { BUILD_STATUS_COLORS } from "./colors";
import { environment } from "./environment";
import { image } from "./image";
import { product } from "./product";
import { BLUEPRINTS, BUILD_STATUSES, DEPLOYMENT } from "./vocabulary";

/** One entity per deploy run: the audit history Bamboo used to give. */
export const deployment = blueprint({
  identifier: BLUEPRINTS.deployment,
  title: "Deployment",
  description: "One deploy of an image to an environment, requested from Port",
  icon: "Deployment",
  ownership: { type: "Inherited", path: DEPLOYMENT.product },
  properties: {
    [DEPLOYMENT.status]: enumProp("Status", BUILD_STATUSES, { colors: BUILD_STATUS_COLORS }),
    [DEPLOYMENT.build]: urlProp("Build", { icon: "Codefresh" }),
    [DEPLOYMENT.startedAt]: dateTimeProp("Started at"),
    [DEPLOYMENT.finishedAt]: dateTimeProp("Finished at"),
    [DEPLOYMENT.requestedBy]: userProp("Requested by"),
    [DEPLOYMENT.runLink]: urlProp("Port run"),
    [DEPLOYMENT.runId]: stringProp("Port run id"),
  },
  relations: {
    [DEPLOYMENT.image]: relation(image, "Image"),
    [DEPLOYMENT.environment]: relation(environment, "Environment"),
    [DEPLOYMENT.product]: relation(product, "Product"),
  },
});
