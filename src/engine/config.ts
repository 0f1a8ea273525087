// The application's configuration: what the source system calls console
// switches, the plan, and every limit (spec defaults unless overridden).
import { resolveLimits, type LimitsConfig } from "../protocol/limits.js";

/** The source system sells user status queries and subscriptions only on its premium plan. */
export type Plan = "basic" | "premium";

/** The settings an operator may change while the engine runs. */
export interface AppSwitches {
  /** "User status query and change notification": queries of others, subscribe, unsubscribe, subscriber pushes. */
  featureEnabled: boolean;
  /** "Friend status auto notification": push every change to the user's friends without a subscription. */
  friendAutoNotify: boolean;
  plan: Plan;
}

export interface AppConfig extends AppSwitches {
  /** Replaced whole (never changed in place) by `PresenceEngine.updateLimits`. */
  limits: Readonly<LimitsConfig>;
}

export interface AppConfigInput extends Partial<AppSwitches> {
  limits?: Partial<LimitsConfig>;
}

/** Like the source system, an application starts on the basic plan with both switches off. */
export const DEFAULT_SWITCHES: Readonly<AppSwitches> = {
  featureEnabled: false,
  friendAutoNotify: false,
  plan: "basic",
};

/** Fills every missing setting with its default; throws ConfigError on a bad limit. */
export function resolveAppConfig(input: AppConfigInput = {}): AppConfig {
  const { limits, ...switches } = input;
  return {
    ...DEFAULT_SWITCHES,
    ...withoutUndefined(switches),
    limits: Object.freeze(resolveLimits(limits)),
  };
}

export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
