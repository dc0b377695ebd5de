import { blueprintInstance, blueprintInstanceFor } from "./blueprint-instance";
import { blueprintTemplate } from "./blueprint-template";
import { deployment } from "./deployment";
import type { Blueprint } from "./dsl";
import { environment } from "./environment";
import { image } from "./image";
import { product } from "./product";

export { product, image, environment, deployment, blueprintTemplate, blueprintInstance };
export type { Blueprint } from "./dsl";

/** The whole catalog, relation targets before the blueprints that point at them. */
export const CATALOG: readonly Blueprint[] = [product, image, environment, deployment, blueprintTemplate, blueprintInstance];

/** The catalog of one stack: as CATALOG, with the links that need the stack's PORC URL. */
export function catalogFor(opts: { readonly porcUrl?: string }): readonly Blueprint[] {
  if (!opts.porcUrl) return CATALOG;
  const instance = blueprintInstanceFor(opts);
  return CATALOG.map((b) => (b.identifier === instance.identifier ? instance : b));
}
