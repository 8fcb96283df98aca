/** Logging levels (RFC 5424 severities, as the spec orders them) and the per-session filter. */
import type { LoggingLevel } from "../protocol/generated/schema-types.js";

export const LOG_LEVELS: readonly LoggingLevel[] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
const rank = new Map(LOG_LEVELS.map((l, i) => [l, i]));

/** shouldLog tells whether a message at `level` passes a session whose threshold is `threshold`. */
export function shouldLog(level: LoggingLevel, threshold: LoggingLevel | undefined): boolean {
  return threshold === undefined || (rank.get(level) ?? 0) >= (rank.get(threshold) ?? 0);
}
