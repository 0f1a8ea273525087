// The reference presence engine: a transport-free state machine of presence.v1 over a presence store.
export { ManualClock, SimulatedTimers, SimulatedTimeError, simulatedTime, type Clock, type TimerHandle, type Timers } from "./clock.js";
export { DEFAULT_SWITCHES, resolveAppConfig, type AppConfig, type AppConfigInput, type AppSwitches, type Plan } from "./config.js";
export { InMemoryFriends, InMemoryUserDirectory, type FriendPair, type FriendsRegistry, type FriendsSource, type UserDirectory } from "./directory.js";
export {
  EngineError,
  PresenceEngine,
  type Authenticate,
  type ConnectionId,
  type EffectSink,
  type EngineEffect,
  type Outbox,
  type Relayed,
  type PresenceEngineOptions,
} from "./engine.js";
export { InMemoryPresenceStore } from "./memory-store.js";
export { admit, type RateDecision } from "./rate-limiter.js";
export { PresenceState } from "./state.js";
export {
  StoreContentionError,
  StoreUnavailableError,
  transact,
  type Cell,
  type DeviceSession,
  type PresenceStore,
  type StoreWrite,
  type UserRecord,
} from "./store.js";
export { subscribeTo, unsubscribeFrom, type SubscribeOutcome } from "./subscriptions.js";
