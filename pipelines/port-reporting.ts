// The pieces every pipeline that reports to Port shares: its variables (the Port URL plain, the
// client credentials encrypted placeholders the platform team fills in Codefresh) and the hooks
// that hand the build result to the on_finish reporter.
import { CodefreshConfig } from "./config";
import { exportBuildStatusCommand, PORT_VARIABLES, stepResultsEnvironment } from "./reporters";
import { encryptedVariable, FreestyleStep, PipelineHooks, PipelineVariable, plainVariable } from "./spec";

export function portVariables(portApiUrl: string): PipelineVariable[] {
  return [
    plainVariable(PORT_VARIABLES.apiUrl, portApiUrl),
    encryptedVariable(PORT_VARIABLES.clientId),
    encryptedVariable(PORT_VARIABLES.clientSecret),
  ];
}

/** on_success/on_fail export the result; on_finish runs the reporter (never changes the outcome). */
export function reportingHooks(cf: CodefreshConfig, reporterStep: string, script: string, mainSteps: string[]): PipelineHooks {
  const exportStatus = (status: "success" | "error") => ({
    exec: { image: cf.reporterImage, shell: "bash" as const, commands: [exportBuildStatusCommand(status)] },
  });
  const reporter: FreestyleStep = {
    title: "Report to Port",
    image: cf.reporterImage,
    shell: "bash",
    environment: [stepResultsEnvironment(mainSteps)],
    commands: [script],
  };
  return {
    on_success: exportStatus("success"),
    on_fail: exportStatus("error"),
    on_finish: { steps: { [reporterStep]: reporter } },
  };
}
