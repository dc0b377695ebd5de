// What the Pulumi engine does to a dynamic provider's values on their way in and out: every
// argument and every result crosses gRPC as a protobuf `Struct`, exactly as
// @pulumi/pulumi/cmd/dynamic-provider does it (`req.getNews().toJavaScript()`,
// `Struct.fromJavaScript(result.outs)`). Object keys come back sorted; `undefined` is not a value
// a Struct can hold. A provider driven through `engineDriven` sees what it would see under the
// real engine, in process and fast.
import type * as pulumi from "@pulumi/pulumi";
// The SDK's own copy, as the dynamic-provider host loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const structproto: typeof import("google-protobuf/google/protobuf/struct_pb") = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require.resolve("@pulumi/pulumi")] }));

type Json = Record<string, unknown>;

/** A value through Struct.fromJavaScript → serializeBinary → deserializeBinary → toJavaScript. */
export function throughStruct<T>(value: T): T {
  const struct = structproto.Struct.fromJavaScript(value as Parameters<typeof structproto.Struct.fromJavaScript>[0]);
  return structproto.Struct.deserializeBinary(struct.serializeBinary()).toJavaScript() as T;
}

/**
 * Inputs as the SDK hands them to the engine: `undefined` properties are not serialized
 * (runtime/rpc serializeProperties skips them), then the Struct round trip.
 */
export function programInputs<T>(value: T): T {
  return throughStruct(JSON.parse(JSON.stringify(value)) as T);
}

/**
 * The provider as the engine calls it: inputs and state round-tripped through Struct before each
 * call, results (outs, props, inputs) round-tripped on the way back — a result the host could not
 * encode (an `undefined` value) throws here as it fails there.
 */
export function engineDriven(provider: pulumi.dynamic.ResourceProvider) {
  return {
    async check(olds: Json, news: Json): Promise<pulumi.dynamic.CheckResult> {
      const r = await provider.check!(throughStruct(olds), programInputs(news));
      return r.inputs ? { ...r, inputs: throughStruct(r.inputs) } : r;
    },
    async diff(id: string, olds: Json, news: Json): Promise<pulumi.dynamic.DiffResult> {
      return provider.diff!(id, throughStruct(olds), throughStruct(news));
    },
    async create(inputs: Json): Promise<pulumi.dynamic.CreateResult> {
      const r = await provider.create(throughStruct(inputs));
      return { ...r, outs: throughStruct(r.outs ?? {}) };
    },
    async read(id: string, props: Json): Promise<pulumi.dynamic.ReadResult> {
      const r = await provider.read!(id, throughStruct(props));
      return { ...r, ...(r.props && { props: throughStruct(r.props) }), ...(r.inputs && { inputs: throughStruct(r.inputs) }) };
    },
    async update(id: string, olds: Json, news: Json): Promise<pulumi.dynamic.UpdateResult> {
      const r = await provider.update!(id, throughStruct(olds), throughStruct(news));
      return { ...r, outs: throughStruct(r.outs ?? {}) };
    },
    async delete(id: string, props: Json): Promise<void> {
      await provider.delete!(id, throughStruct(props));
    },
  };
}
