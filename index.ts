// Entry point for `pulumi up` / `pulumi preview`: everything lives in stacks/program.ts so that
// synth and the tests evaluate exactly the same program under mocks.
import { runProgram } from "./stacks/program";

const outputs = runProgram();

export const portApiUrl = outputs.portApiUrl;
export const blueprints = outputs.blueprints;
export const actions = outputs.actions;
export const pipelines = outputs.pipelines;
export const agent = outputs.agent;
