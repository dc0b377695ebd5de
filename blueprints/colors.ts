import type { BuildStatus } from "./vocabulary";

/** One colour per build status, shared by every blueprint that shows one. */
export const BUILD_STATUS_COLORS: Record<BuildStatus, string> = {
  running: "blue",
  success: "green",
  error: "red",
  terminated: "orange",
  denied: "darkGray",
};
