import { blueprint, stringProp, urlProp } from "./dsl";
import { BLUEPRINTS, PRODUCT } from "./vocabulary";

export const product = blueprint({
  identifier: BLUEPRINTS.product,
  title: "Product",
  description: "A product: the unit that owns images and environments",
  icon: "Swagger",
  ownership: { type: "Direct" },
  properties: {
    [PRODUCT.description]: stringProp("Description", { format: "markdown" }),
    [PRODUCT.repository]: urlProp("Repository"),
    [PRODUCT.owningTeam]: stringProp("Owning team"),
    [PRODUCT.bambooKey]: stringProp("Bamboo key", { description: "Bamboo deployment project key this product was migrated from" }),
    [PRODUCT.bambooPlanKey]: stringProp("Bamboo plan", { description: "Bamboo build plan key its CI pipeline replaces" }),
  },
});
