/** Logging (server/utilities/logging.mdx): levels as the spec orders them, the per-session filter, logging/setLevel. */
import type { LoggingLevel } from "../protocol/generated/schema-types.js";
import type { CapabilityContribution, ServerMethod } from "./registrar.js";

export const LOG_LEVELS: readonly LoggingLevel[] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
const rank = new Map(LOG_LEVELS.map((l, i) => [l, i]));

/** shouldLog tells whether a message at `level` passes a session whose threshold is `threshold`. */
export function shouldLog(level: LoggingLevel, threshold: LoggingLevel | undefined): boolean {
  return threshold === undefined || (rank.get(level) ?? 0) >= (rank.get(threshold) ?? 0);
}

/**
 * logMessage is the params of a `notifications/message` at `level` for a client whose threshold is `threshold`,
 * or undefined when the level does not pass it. Every way of logging to a client goes through it.
 */
export function logMessage(
  level: LoggingLevel,
  data: unknown,
  logger: string | undefined,
  threshold: LoggingLevel | undefined,
): Record<string, unknown> | undefined {
  if (!shouldLog(level, threshold)) return undefined;
  return logger === undefined ? { level, data } : { level, data, logger };
}

/** logging/setLevel: this session's threshold from now on. */
export const setLevel: ServerMethod = async (params, { session }) => {
  session.logLevel = params.level as LoggingLevel;
  await session.onstatechange?.();
  return {};
};

/** Logging is always declared. */
export const loggingCapability: CapabilityContribution = (_state, caps) => {
  caps.logging ??= {};
};
